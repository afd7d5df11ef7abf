extension PickleUnpickler {
    /// Appends a node to the arena and pushes it.
    @discardableResult
    mutating func push(_ node: PickleNode) throws(PickleError) -> PickleRef {
        let ref = try addNode(node)
        try pushRef(ref)
        return ref
    }

    /// Appends a node to the arena without pushing it.
    mutating func addNode(_ node: PickleNode) throws(PickleError) -> PickleRef {
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

    func top() throws(PickleError) -> PickleRef {
        guard stack.count > (marks.last ?? 0), let t = stack.last else { throw fail(.stackUnderflow, "stack empty") }
        return t
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
        if memo[index] == nil {
            guard memo.count < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
        }
        memo[index] = value
    }

    mutating func memoGet(_ index: Int) throws(PickleError) {
        guard let ref = memo[index] else { throw fail(.memoMissing, "memo index was never PUT") }
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
            var positions = dictKeyPositions.removeValue(forKey: i) ?? [:]
            defer {
                nodes[i] = .dict(dict)
                if !positions.isEmpty { dictKeyPositions[i] = positions }
            }
            for k in stride(from: 0, to: items.count, by: 2) {
                let key = items[k], value = items[k + 1]
                if let identity = PickleKeyIdentity(nodes[key.index]) {
                    if let at = positions[identity] {
                        dict.values[at] = value  // Python keeps the first key's position and the last value
                        continue
                    }
                    positions[identity] = dict.keys.count
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

    /// Lists, dicts, sets and bytearrays (also inside tuples) cannot be dict keys or set elements.
    func requireHashable(_ ref: PickleRef) throws(PickleError) {
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
