/// Filling containers in place: SETITEM(S), DICT, APPEND(S), ADDITEMS, FROZENSET.
///
/// A container's items are one region of the document's item buffer. The region at the
/// end of the buffer grows in place; any other region that runs out of room moves to the
/// end with twice the room, so interleaved fills (protocol 0 writes one SETITEM per pair,
/// nested containers in between) stay linear.
extension PickleUnpickler {
    /// Dicts up to this many keys find repeated keys by a linear scan instead of hashing.
    static let linearKeyScanLimit = 16

    /// Makes room for `k` more items in the region of `r` (not yet stored back).
    @inline(__always)
    mutating func reserveSlots(_ r: inout PickleRawNode, _ k: Int) throws(PickleError) {
        let n = Int(r.count)
        let need = n + k
        if need <= r.capacity { return }
        try checkItemCount(doc.items.count, 2 * need)
        if r.start + r.capacity == doc.items.count {
            doc.items.append(contentsOf: repeatElement(0, count: need - r.capacity))
            r.capacity = need
            return
        }
        let newCapacity = max(need, 2 * n)
        let newStart = doc.items.count
        for j in 0 ..< n {
            let item = doc.items[r.start + j]
            doc.items.append(item)
        }
        doc.items.append(contentsOf: repeatElement(0, count: newCapacity - n))
        r.start = newStart
        r.capacity = newCapacity
    }

    /// SETITEM/SETITEMS/DICT with the items as references (REDUCE's dict constructions).
    mutating func setItems(in target: PickleRef, _ items: [PickleRef]) throws(PickleError) {
        try setItems(in: target.index, items.map(\.index))
    }

    /// SETITEM/SETITEMS/DICT: key/value pairs alternate in `kv`.
    mutating func setItems(in target: Int, _ kv: [Int]) throws(PickleError) {
        guard kv.count % 2 == 0 else { throw fail(.badValue, "odd number of items for SETITEMS") }
        var r = doc.raw[target]
        switch r.tag {
        case .dict:
            var k = 0
            while k < kv.count {
                try requireHashable(kv[k])
                k += 2
            }
            try chargeSlots(kv.count)
            try reserveSlots(&r, kv.count)
            // The heap is not appended to while pairs merge, so key views may point into it.
            let heap = doc.heap
            try heap.withUnsafeBufferPointer { (h) throws(PickleError) in
                try mergePairs(into: target, &r, kv, heapBase: h.baseAddress)
            }
            doc.raw[target] = r
        case .extra:
            let e = Int(truncatingIfNeeded: r.payload)
            guard case .object(var object) = doc.extras[e] else { throw fail(.typeMismatch, "SETITEM target is not a dict") }
            guard kv.count / 2 <= limits.maxContainerElements - object.dictItems.count / 2 else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(kv.count)
            doc.extras[e] = .none  // releases the arrays so the append below is in place
            object.dictItems.append(contentsOf: kv.map { PickleRef($0) })
            doc.extras[e] = .object(object)
        default:
            throw fail(.typeMismatch, "SETITEM target is not a dict")
        }
    }

    /// APPEND/APPENDS: a list grows; an inert object records the items (CPython would call its `append`/`extend`).
    mutating func appendItems(to target: Int, _ items: [Int]) throws(PickleError) {
        var r = doc.raw[target]
        switch r.tag {
        case .list:
            guard items.count <= limits.maxContainerElements - Int(r.count) else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            try fill(&r, items)
            doc.raw[target] = r
        case .extra:
            let e = Int(truncatingIfNeeded: r.payload)
            guard case .object(var object) = doc.extras[e] else { throw fail(.typeMismatch, "APPEND target is not a list") }
            guard items.count <= limits.maxContainerElements - object.listItems.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            doc.extras[e] = .none
            object.listItems.append(contentsOf: items.map { PickleRef($0) })
            doc.extras[e] = .object(object)
        default:
            throw fail(.typeMismatch, "APPEND target is not a list")
        }
    }

    /// ADDITEMS (set only) and FROZENSET (`allowFrozen`, on the fresh frozenset).
    mutating func addToSet(_ target: Int, _ items: [Int], allowFrozen: Bool) throws(PickleError) {
        for item in items { try requireHashable(item) }
        var r = doc.raw[target]
        switch r.tag {
        case .set, .frozenset where allowFrozen:
            guard items.count <= limits.maxContainerElements - Int(r.count) else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            try fill(&r, items)
            doc.raw[target] = r
        default:
            throw fail(.typeMismatch, "ADDITEMS target is not a set")
        }
    }

    /// Appends `items` to the region of `r` (not yet stored back).
    @inline(__always)
    private mutating func fill(_ r: inout PickleRawNode, _ items: [Int]) throws(PickleError) {
        try reserveSlots(&r, items.count)
        var at = r.start + Int(r.count)
        for item in items {
            doc.items[at] = item
            at += 1
        }
        r.count += UInt32(items.count)
    }

    /// Lists, dicts, sets and bytearrays (also inside tuples) cannot be dict keys or set elements.
    @inline(__always)
    func requireHashable(_ i: Int) throws(PickleError) {
        switch doc.raw[i].tag {
        case .list, .dict, .set, .bytearray, .tuple:
            try requireHashableContainer(i)
        default:
            return  // scalars and inert objects: nothing to walk
        }
    }

    /// ``requireHashable(_:)`` for containers: walks tuples, refuses mutable containers.
    func requireHashableContainer(_ i: Int) throws(PickleError) {
        var pending = [i]
        var seen = Set<Int>()
        while let x = pending.popLast() {
            let r = doc.raw[x]
            switch r.tag {
            case .list, .dict, .set, .bytearray:
                throw fail(.unhashableKey, "unhashable type used as a dict key or set element")
            case .tuple:
                if seen.insert(x).inserted { pending.append(contentsOf: doc.items[r.start ..< r.start + Int(r.count)]) }
            default:
                break
            }
        }
    }
}
