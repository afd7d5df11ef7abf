/// Filling containers in place: SETITEM(S), DICT, APPEND(S), ADDITEMS, FROZENSET.
///
/// A container's items are one region of the document's item buffer. The region at the
/// end of the buffer grows in place; any other region that runs out of room moves to the
/// end with twice the room, so interleaved fills (protocol 0 writes one SETITEM per pair,
/// nested containers in between) stay linear.
extension PickleUnpickler {
    /// Dicts up to this many keys find repeated keys by a linear scan instead of hashing.
    static let linearKeyScanLimit = 32

    /// Makes room for `k` more items in the region of `r` (not yet stored back).
    @inline(__always)
    mutating func reserveSlots(_ r: inout PickleRawNode, _ k: Int) throws(PickleError) {
        let n = Int(r.count)
        let need = n + k
        if need <= r.capacity { return }
        try checkItemCount(st.items.count, 2 * need)
        if r.start + r.capacity == st.items.count {
            // Room for up to 64 more (within the check above), so that one APPEND or SETITEM at
            // a time (protocol 0) appends to the buffer now and then, not every time.
            let newCapacity = need + min(n, 64)
            st.items.append(repeating: 0, count: newCapacity - r.capacity)
            r.capacity = newCapacity
            return
        }
        let newCapacity = max(need, 2 * n)
        let newStart = st.items.count
        st.items.append(from: st.items.base + r.start, count: n)
        st.items.append(repeating: 0, count: newCapacity - n)
        r.start = newStart
        r.capacity = newCapacity
    }

    /// SETITEM/SETITEMS/DICT with the items as references (REDUCE's dict constructions).
    mutating func setItems(in target: PickleRef, _ items: [PickleRef]) throws(PickleError) {
        let indices = items.map(\.index)
        try indices.withUnsafeBufferPointer { (kv) throws(PickleError) in try setItems(in: target.index, kv) }
    }

    /// SETITEM/SETITEMS/DICT: key/value pairs alternate in `kv`.
    mutating func setItems(in target: Int, _ kv: UnsafeBufferPointer<Int>) throws(PickleError) {
        guard kv.count % 2 == 0 else { throw fail(.badValue, "odd number of items for SETITEMS") }
        var r = st.raw[target]
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
            try mergePairs(into: target, &r, kv, heapBase: UnsafePointer(st.heap.base))
            st.raw[target] = r
        case .extra:
            let e = Int(truncatingIfNeeded: r.payload)
            guard case .object(var object) = st.extras[e] else { throw fail(.typeMismatch, "SETITEM target is not a dict") }
            guard kv.count / 2 <= limits.maxContainerElements - object.dictItems.count / 2 else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(kv.count)
            st.extras[e] = .none  // releases the arrays so the append below is in place
            object.dictItems.append(contentsOf: kv.map { PickleRef($0) })
            st.extras[e] = .object(object)
        case .newObject:
            st.materializeObject(at: target)  // now an `.extra` object, filled as above
            try setItems(in: target, kv)
        default:
            throw fail(.typeMismatch, "SETITEM target is not a dict")
        }
    }

    /// APPEND/APPENDS: a list grows; an inert object records the items (CPython would call its `append`/`extend`).
    mutating func appendItems(to target: Int, _ items: UnsafeBufferPointer<Int>) throws(PickleError) {
        var r = st.raw[target]
        switch r.tag {
        case .list:
            guard items.count <= limits.maxContainerElements - Int(r.count) else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            try fill(&r, items)
            st.raw[target] = r
        case .extra:
            let e = Int(truncatingIfNeeded: r.payload)
            guard case .object(var object) = st.extras[e] else { throw fail(.typeMismatch, "APPEND target is not a list") }
            guard items.count <= limits.maxContainerElements - object.listItems.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            st.extras[e] = .none
            object.listItems.append(contentsOf: items.map { PickleRef($0) })
            st.extras[e] = .object(object)
        case .newObject:
            st.materializeObject(at: target)  // now an `.extra` object, filled as above
            try appendItems(to: target, items)
        default:
            throw fail(.typeMismatch, "APPEND target is not a list")
        }
    }

    /// ADDITEMS (set only) and FROZENSET (`allowFrozen`, on the fresh frozenset).
    mutating func addToSet(_ target: Int, _ items: UnsafeBufferPointer<Int>, allowFrozen: Bool) throws(PickleError) {
        for item in items { try requireHashable(item) }
        var r = st.raw[target]
        switch r.tag {
        case .set, .frozenset:
            guard r.tag == .set || allowFrozen else { throw fail(.typeMismatch, "ADDITEMS target is not a set") }
            guard items.count <= limits.maxContainerElements - Int(r.count) else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            try reserveSlots(&r, items.count)
            try addUnique(to: target, &r, items, heapBase: UnsafePointer(st.heap.base))
            st.raw[target] = r
        default:
            throw fail(.typeMismatch, "ADDITEMS target is not a set")
        }
    }

    /// Appends `items` to the region of `r` (not yet stored back).
    @inline(__always)
    private mutating func fill(_ r: inout PickleRawNode, _ items: UnsafeBufferPointer<Int>) throws(PickleError) {
        try reserveSlots(&r, items.count)
        var at = r.start + Int(r.count)
        for item in items {
            st.items[at] = item
            at += 1
        }
        r.count += UInt32(items.count)
    }

    /// Lists, dicts, sets and bytearrays (also inside tuples) cannot be dict keys or set elements.
    @inline(__always)
    func requireHashable(_ i: Int) throws(PickleError) {
        switch st.raw[i].tag {
        case .list, .dict, .set, .bytearray, .tuple:
            // Static, on the storage: a call to a method of the unpickler would copy the whole unpickler.
            if !Self.isHashable(i, in: st) {
                throw fail(.unhashableKey, "unhashable type used as a dict key or set element")
            }
        default:
            return  // scalars and inert objects: nothing to walk
        }
    }

    /// ``requireHashable(_:)`` for containers: walks tuples, refuses mutable containers.
    static func isHashable(_ i: Int, in st: PickleStorage) -> Bool {
        var pending = [i]
        var seen = Set<Int>()
        while let x = pending.popLast() {
            let r = st.raw[x]
            switch r.tag {
            case .list, .dict, .set, .bytearray:
                return false
            case .tuple:
                if seen.insert(x).inserted { pending.append(contentsOf: UnsafeBufferPointer(start: st.items.base + r.start, count: Int(r.count))) }
            default:
                break
            }
        }
        return true
    }
}
