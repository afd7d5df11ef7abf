extension PickleUnpickler {
    /// Appends a node to the arena and pushes it.
    @discardableResult
    mutating func push(_ node: consuming PickleNode) throws(PickleError) -> PickleRef {
        let ref = try addNode(node)
        try pushRef(ref)
        return ref
    }

    /// Appends a node to the arena without pushing it.
    mutating func addNode(_ node: consuming PickleNode) throws(PickleError) -> PickleRef {
        try charge(16)
        nodes.append(node)
        return PickleRef(nodes.count - 1)
    }

    mutating func pushRef(_ ref: PickleRef) throws(PickleError) {
        guard stack.count < limits.maxStackDepth else { throw fail(.limitExceeded, "stack deeper than maxStackDepth") }
        stack.append(ref)
    }

    mutating func pushTuple(_ items: [PickleRef]) throws(PickleError) {
        guard items.count <= limits.maxContainerElements else { throw fail(.limitExceeded, "container larger than maxContainerElements") }
        try chargeSlots(items.count)
        try push(.tuple(items))
    }

    /// Pops the top item; items below the innermost MARK are out of reach, as in CPython.
    mutating func pop() throws(PickleError) -> PickleRef {
        guard stack.count > (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
        return stack.removeLast()
    }

    // Inlined: a non-mutating call from the mutating opcode handlers would copy the whole machine.
    @inline(__always)
    func top() throws(PickleError) -> PickleRef {
        guard stack.count > (marks.last ?? 0), let t = stack.last else { throw fail(.stackUnderflow, "stack empty") }
        return t
    }

    /// Pops everything above the innermost MARK, and the MARK, appending the items to `items`.
    mutating func popMark(into items: inout [PickleRef]) throws(PickleError) {
        guard let m = marks.popLast() else { throw fail(.markMissing, "no MARK on the stack") }
        items.append(contentsOf: stack[m...])
        stack.removeSubrange(m...)
    }

    /// Takes the reusable item buffer (empty); give it back with ``returnScratch(_:)``.
    mutating func takeScratch() -> [PickleRef] {
        var items: [PickleRef] = []
        swap(&items, &scratch)
        return items
    }

    /// Gives the item buffer back, emptied, so its storage serves the next SETITEMS/APPENDS.
    mutating func returnScratch(_ items: consuming [PickleRef]) {
        items.removeAll(keepingCapacity: true)
        scratch = items
    }

    /// Pops everything above the innermost MARK, and the MARK.
    mutating func popMark() throws(PickleError) -> [PickleRef] {
        guard let m = marks.popLast() else { throw fail(.markMissing, "no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    mutating func memoPut(_ index: Int) throws(PickleError) {
        let value = try top()
        if index < memoDense.count {
            if memoDense[index] < 0 {
                guard memoCount < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
                memoCount += 1
            }
            memoDense[index] = value.index
            return
        }
        // Grow the dense slots only near the entries already made, so the memory stays proportional
        // to the entry count (a PUT of 0xFFFFFFFF goes to the dictionary); once an index went to the
        // dictionary the dense range stays put, so every index lives in exactly one of the two.
        if memoSparse.isEmpty && index < 2 * memoCount + 64 {
            guard memoCount < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
            if index == memoDense.count {
                memoDense.append(value.index)  // MEMOIZE, and CPython's PUT: the next index
            } else {
                while memoDense.count < index { memoDense.append(-1) }
                memoDense.append(value.index)
            }
            memoCount += 1
            return
        }
        if memoSparse[index] == nil {
            guard memoCount < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
            memoCount += 1
        }
        memoSparse[index] = value
    }

    mutating func memoGet(_ index: Int) throws(PickleError) {
        if index < memoDense.count {
            let slot = memoDense[index]
            guard slot >= 0 else { throw fail(.memoMissing, "memo index was never PUT") }
            try pushRef(PickleRef(slot))
            return
        }
        guard let ref = memoSparse[index] else { throw fail(.memoMissing, "memo index was never PUT") }
        try pushRef(ref)
    }

    // MARK: - Filling containers in place

    /// APPEND/APPENDS: a list grows; an inert object records the items (CPython would call its `append`/`extend`).
    mutating func appendItems(to target: PickleRef, _ items: [PickleRef]) throws(PickleError) {
        let i = target.index
        switch nodes[i] {
        case .list(var elements):
            guard items.count <= limits.maxContainerElements - elements.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            nodes[i] = .none  // releases the array so the append below is in place
            elements.append(contentsOf: items)
            nodes[i] = .list(elements)
        case .object(var object):
            guard items.count <= limits.maxContainerElements - object.listItems.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            nodes[i] = .none
            object.listItems.append(contentsOf: items)
            nodes[i] = .object(object)
        default:
            throw fail(.typeMismatch, "APPEND target is not a list")
        }
    }

    /// SETITEM/SETITEMS/DICT: key/value pairs alternate in `items`.
    mutating func setItems(in target: PickleRef, _ items: [PickleRef]) throws(PickleError) {
        guard items.count % 2 == 0 else { throw fail(.badValue, "odd number of items for SETITEMS") }
        let i = target.index
        switch nodes[i] {
        case .dict(var dict):
            for k in stride(from: 0, to: items.count, by: 2) { try requireHashable(items[k]) }
            try chargeSlots(items.count)
            nodes[i] = .none
            // Room for every pair up front (geometric, so one SETITEM at a time stays linear).
            let needed = dict.keys.count + items.count / 2
            if dict.keys.capacity < needed {
                let grown = max(needed, 2 * dict.keys.capacity)
                dict.keys.reserveCapacity(grown)
                dict.values.reserveCapacity(grown)
            }
            // Small dicts (web.py sessions) find a repeated key by scanning; larger ones keep a hash table.
            let hashed = dict.keys.count + items.count / 2 > Self.linearKeyScanLimit
            var positions: [PickleKeyIdentity: Int] = [:]
            if hashed {
                if let known = dictKeyPositions.removeValue(forKey: i) {
                    positions = known
                } else {
                    positions.reserveCapacity(dict.keys.count + items.count / 2)
                    for (at, key) in dict.keys.enumerated() {
                        if let identity = PickleKeyIdentity(nodes[key.index]), positions[identity] == nil { positions[identity] = at }
                    }
                }
            }
            defer {
                nodes[i] = .dict(dict)
                // Kept even when empty, so a dict of unmergeable keys is not rescanned on every SETITEM.
                if hashed { dictKeyPositions[i] = positions }
            }
            for k in stride(from: 0, to: items.count, by: 2) {
                let key = items[k], value = items[k + 1]
                if let identity = PickleKeyIdentity(nodes[key.index]) {
                    if hashed {
                        // One hash per new key: insert, and restore the first position if the key was there.
                        if let at = positions.updateValue(dict.keys.count, forKey: identity) {
                            positions[identity] = at
                            dict.values[at] = value  // Python keeps the first key's position and the last value
                            continue
                        }
                    } else if let at = Self.firstKey(matching: identity, in: dict.keys, of: nodes) {
                        dict.values[at] = value
                        continue
                    }
                }
                guard dict.keys.count < limits.maxContainerElements else {
                    throw fail(.limitExceeded, "container larger than maxContainerElements")
                }
                dict.keys.append(key)
                dict.values.append(value)
            }
        case .object(var object):
            guard items.count / 2 <= limits.maxContainerElements - object.dictItems.count / 2 else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            nodes[i] = .none
            object.dictItems.append(contentsOf: items)
            nodes[i] = .object(object)
        default:
            throw fail(.typeMismatch, "SETITEM target is not a dict")
        }
    }

    /// ADDITEMS (set only) and FROZENSET (`allowFrozen`, on the fresh frozenset).
    mutating func addToSet(_ target: PickleRef, _ items: [PickleRef], allowFrozen: Bool) throws(PickleError) {
        for item in items { try requireHashable(item) }
        let i = target.index
        switch nodes[i] {
        case .set(var elements):
            guard items.count <= limits.maxContainerElements - elements.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            nodes[i] = .none
            elements.append(contentsOf: items)
            nodes[i] = .set(elements)
        case .frozenset(var elements) where allowFrozen:
            guard items.count <= limits.maxContainerElements - elements.count else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            try chargeSlots(items.count)
            nodes[i] = .none
            elements.append(contentsOf: items)
            nodes[i] = .frozenset(elements)
        default:
            throw fail(.typeMismatch, "ADDITEMS target is not a set")
        }
    }

    /// Dicts up to this many keys find repeated keys by a linear scan instead of hashing.
    static let linearKeyScanLimit = 16

    /// Position of the first key in `keys` whose identity is `identity`.
    static func firstKey(matching identity: PickleKeyIdentity, in keys: [PickleRef], of nodes: [PickleNode]) -> Int? {
        for (at, key) in keys.enumerated() where identity.matches(nodes[key.index]) { return at }
        return nil
    }

    /// Lists, dicts, sets and bytearrays (also inside tuples) cannot be dict keys or set elements.
    @inline(__always)
    func requireHashable(_ ref: PickleRef) throws(PickleError) {
        switch nodes[ref.index] {
        case .list, .dict, .set, .bytearray, .tuple:
            try requireHashableContainer(ref)
        default:
            return  // scalars and inert objects: nothing to walk
        }
    }

    /// ``requireHashable(_:)`` for containers: walks tuples, refuses mutable containers.
    func requireHashableContainer(_ ref: PickleRef) throws(PickleError) {
        var pending = [ref]
        var seen = Set<Int>()
        while let r = pending.popLast() {
            switch nodes[r.index] {
            case .list, .dict, .set, .bytearray:
                throw fail(.unhashableKey, "unhashable type used as a dict key or set element")
            case .tuple(let items):
                if seen.insert(r.index).inserted { pending.append(contentsOf: items) }
            default:
                break
            }
        }
    }
}
