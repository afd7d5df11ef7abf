extension PickleUnpickler {
    // MARK: - Nodes and the stack

    /// Appends a storage record to the arena and pushes it.
    @inline(__always)
    @discardableResult
    mutating func pushRaw(_ r: PickleRawNode) throws(PickleError) -> Int {
        try charge(16)
        st.raw.append(r)
        let i = st.raw.count - 1
        try pushIndex(i)
        return i
    }

    @inline(__always)
    mutating func pushScalar(_ tag: PickleRawNode.Tag, _ payload: UInt64) throws(PickleError) {
        try pushRaw(PickleRawNode(tag: tag, payload: payload))
    }

    /// Pushes a new, empty container (its slots start at the end of the item buffer).
    @inline(__always)
    @discardableResult
    mutating func pushContainer(_ tag: PickleRawNode.Tag, count: Int) throws(PickleError) -> Int {
        var r = PickleRawNode(tag: tag)
        r.start = st.items.count
        return try pushRaw(r)
    }

    /// Appends a node (given as a ``PickleNode``) to the arena and pushes it.
    @discardableResult
    mutating func push(_ node: PickleNode) throws(PickleError) -> PickleRef {
        let ref = try addNode(node)
        try pushIndex(ref.index)
        return ref
    }

    /// LONG1, LONG4 (little-endian two's complement): an int record, or a big-int record of the
    /// normalized bytes, read in place (no byte array, no ``PickleBigInt``).
    mutating func pushLong(_ r: Range<Int>) throws(PickleError) {
        try charge(r.count)
        let p = base + r.lowerBound
        // Drop redundant sign bytes, as PickleBigInt(normalizing:) does (0 is no bytes).
        var m = r.count
        while m > 0 {
            let last = p[m - 1]
            if m == 1 {
                if last == 0 { m = 0 }
                break
            }
            let negative = p[m - 2] & 0x80 != 0
            guard (last == 0x00 && !negative) || (last == 0xFF && negative) else { break }
            m -= 1
        }
        let record: PickleRawNode
        if m <= 8 {
            var u: UInt64 = 0
            var i = m
            while i > 0 {
                i -= 1
                u = u << 8 | UInt64(p[i])
            }
            // Sign-extend from the top byte kept (8 bytes need none).
            let shift = UInt64(64 - 8 * m) & 63
            let value = m == 0 ? 0 : Int64(bitPattern: u << shift) >> shift
            record = PickleRawNode(tag: .int, payload: UInt64(bitPattern: value))
        } else {
            var big = PickleRawNode(tag: .bigInt, payload: UInt64(st.heap.count))
            big.inHeap = true
            big.count = UInt32(m)
            record = big
        }
        try charge(16)
        try checkItemSpace()
        if m > 8 { st.heap.append(from: p, count: m) }
        st.raw.append(record)
        try pushIndex(st.raw.count - 1)
    }

    /// GLOBAL, STACK_GLOBAL: a name outside the common table, classified once against the allowlist.
    mutating func pushGlobal(_ g: PickleGlobal) throws(PickleError) {
        st.extras.append(.global(g))
        var r = PickleRawNode(tag: .global, payload: UInt64(st.extras.count - 1))
        r.count = PickleKnownGlobal(g).rawValue
        try pushRaw(r)
    }

    /// GLOBAL, STACK_GLOBAL: a common allowlisted name, by its table index. The record alone names
    /// it (no extra to append, keep or destroy).
    mutating func pushCommonGlobal(_ index: Int, known: PickleKnownGlobal) throws(PickleError) {
        var r = PickleRawNode(tag: .global)
        r.count = known.rawValue
        r.ext = UInt32(truncatingIfNeeded: index + 1)
        try pushRaw(r)
    }

    /// The first byte of a text or bytes record (in the input or the heap); valid until the heap grows.
    @inline(__always)
    func bytesStart(of r: PickleRawNode) -> UnsafePointer<UInt8> {
        let s = Int(truncatingIfNeeded: r.payload)
        return r.inHeap ? UnsafePointer(st.heap.base) + s : base + s
    }

    /// Appends a node to the arena without pushing it.
    mutating func addNode(_ node: PickleNode) throws(PickleError) -> PickleRef {
        try charge(16)
        try checkItemSpace()
        return st.append(node)
    }

    /// The item buffer's offsets are 32-bit: a document past that is over any sane limit anyway.
    func checkItemSpace() throws(PickleError) {
        if st.items.count > Int(UInt32.max) - (1 << 24) || st.heap.count > Int(UInt32.max) - (1 << 24) {
            throw fail(.limitExceeded, "decoded data larger than the document can index")
        }
    }

    @inline(__always)
    mutating func pushIndex(_ i: Int) throws(PickleError) {
        guard stack.count < limits.maxStackDepth else { throw fail(.limitExceeded, "stack deeper than maxStackDepth") }
        stack.append(i)
    }

    /// Pops the top item; items below the innermost MARK are out of reach, as in CPython.
    @inline(__always)
    mutating func popIndex() throws(PickleError) -> Int {
        guard stack.count > (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
        return stack.removeLast()
    }

    mutating func pop() throws(PickleError) -> PickleRef { PickleRef(try popIndex()) }

    // Inlined: a non-mutating call from the mutating opcode handlers would copy the whole machine.
    @inline(__always)
    func topIndex() throws(PickleError) -> Int {
        guard stack.count > (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
        return stack.base[stack.count - 1]
    }

    @inline(__always)
    func top() throws(PickleError) -> PickleRef { PickleRef(try topIndex()) }

    /// Pops everything above the innermost MARK, and the MARK. The items stay readable
    /// in the stack's memory until the next push.
    @inline(__always)
    mutating func popMarkItems() throws(PickleError) -> UnsafeBufferPointer<Int> {
        guard marks.count > 0 else { throw fail(.markMissing, "no MARK on the stack") }
        let m = marks.removeLast()
        let items = UnsafeBufferPointer(start: stack.base + m, count: stack.count - m)
        stack.count = m
        return items
    }

    /// Pops the top `n` items (the caller checked they are above the innermost MARK). They stay
    /// readable in the stack's memory until the next push.
    @inline(__always)
    mutating func popItems(_ n: Int) -> UnsafeBufferPointer<Int> {
        stack.count -= n
        return UnsafeBufferPointer(start: stack.base + stack.count, count: n)
    }

    /// Pops everything above the innermost MARK, and the MARK.
    mutating func popMark() throws(PickleError) -> [PickleRef] {
        try popMarkItems().map { PickleRef($0) }
    }

    /// Appends a new, empty container to the arena without pushing it.
    mutating func addContainer(_ tag: PickleRawNode.Tag) throws(PickleError) -> Int {
        try charge(16)
        var r = PickleRawNode(tag: tag)
        r.start = st.items.count
        st.raw.append(r)
        return st.raw.count - 1
    }

    /// TUPLE, TUPLE1-3: the top `n` items (all above the MARK for TUPLE) become a tuple.
    /// TUPLE1, TUPLE2, TUPLE3: the top `n` items (above the innermost MARK) as a tuple, and the
    /// MEMOIZE that usually follows.
    @inline(__always)
    mutating func pushSmallTuple(_ n: Int) throws(PickleError) {
        let m = stack.count &- n
        guard m >= (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
        // ``pushTupleFromStack(_:)`` written out for one to three items (a tenth of a session's
        // opcodes, and two calls deep there): the same checks in the same order. The tuple takes
        // its items' place, so the stack shrinks and needs no depth check.
        guard n <= limits.maxContainerElements else { throw fail(.limitExceeded, "container larger than maxContainerElements") }
        try charge(n &* 8)
        try checkItemCount(st.items.count, n)
        var r = PickleRawNode(tag: .tuple)
        r.start = st.items.count
        r.capacity = n
        r.count = UInt32(truncatingIfNeeded: n)
        st.items.reserve(n)
        let items = st.items.base + st.items.count
        let top = stack.base + m
        items[0] = top[0]
        if n > 1 { items[1] = top[1] }
        if n > 2 { items[2] = top[2] }
        st.items.count &+= n
        try charge(16)
        st.raw.append(r)
        top[0] = st.raw.count &- 1
        stack.count = m &+ 1
        try memoizeIfNext()
    }

    mutating func pushTupleFromStack(_ n: Int) throws(PickleError) {
        guard n <= limits.maxContainerElements else { throw fail(.limitExceeded, "container larger than maxContainerElements") }
        try chargeSlots(n)
        try pushContainerFromStack(.tuple, from: stack.count - n)
    }

    /// Moves `stack[from...]` into a new container's slots and pushes the container.
    mutating func pushContainerFromStack(_ tag: PickleRawNode.Tag, from m: Int) throws(PickleError) {
        let n = stack.count - m
        try checkItemCount(st.items.count, n)
        var r = PickleRawNode(tag: tag)
        r.start = st.items.count
        r.capacity = n
        r.count = UInt32(n)
        st.items.append(from: stack.base + m, count: n)
        stack.count = m
        try pushRaw(r)
    }

    /// Item offsets and counts are 32-bit in storage.
    @inline(__always)
    func checkItemCount(_ at: Int, _ n: Int) throws(PickleError) {
        guard at <= Int(UInt32.max) - n else { throw fail(.limitExceeded, "decoded data larger than the document can index") }
    }

    // MARK: - Memo

    /// Runs a MEMOIZE or BINPUT that follows the opcode just executed, as CPython writes one after
    /// nearly every str, container and tuple.
    ///
    /// One well-predicted branch at each call site replaces a second trip through the opcode switch,
    /// whose single indirect jump mispredicts often on the mixed opcode stream. The opcode is counted
    /// and reported in errors exactly as the main loop would; at the opcode limit the loop takes it.
    @inline(__always)
    /// - Returns: whether one ran (protocol 0's PUT is ``putIfNext()``'s).
    @discardableResult
    mutating func memoizeIfNext() throws(PickleError) -> Bool {
        guard pos &+ 1 < limit, opcodesLeft > 0 else { return false }
        let next = base[pos]
        if next == PickleOpcode.memoize {
            opcodeStart = pos
            opcode = next
            pos &+= 1
            opcodesLeft &-= 1
            try memoPutFast(memoCount)
            return true
        } else if next == PickleOpcode.binPut {
            opcodeStart = pos
            opcode = next
            let index = Int(base[pos &+ 1])
            pos &+= 2
            opcodesLeft &-= 1
            try memoPutFast(index)
            return true
        }
        return false
    }

    /// ``memoPut(_:)`` for the next dense index (MEMOIZE, and CPython's PUT), inlined.
    @inline(__always)
    mutating func memoPutFast(_ index: Int) throws(PickleError) {
        if index == memoDense.count, index == memoCount, limits.maxMemoEntries > index, memoSparse.isEmpty,
           stack.count > (marks.last ?? 0) {
            memoDense.append(stack.base[stack.count - 1])
            memoCount += 1
            return
        }
        try memoPut(index)
    }

    mutating func memoPut(_ index: Int) throws(PickleError) {
        let value = try topIndex()
        if index < memoDense.count {
            if memoDense[index] < 0 {
                guard memoCount < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
                memoCount += 1
            }
            memoDense[index] = value
            return
        }
        // Grow the dense slots only near the entries already made, so the memory stays proportional
        // to the entry count (a PUT of 0xFFFFFFFF goes to the dictionary); once an index went to the
        // dictionary the dense range stays put, so every index lives in exactly one of the two.
        if memoSparse.isEmpty && index < 2 * memoCount + 64 {
            guard memoCount < limits.maxMemoEntries else { throw fail(.limitExceeded, "more memo entries than maxMemoEntries") }
            if index == memoDense.count {
                memoDense.append(value)  // MEMOIZE, and CPython's PUT: the next index
            } else {
                while memoDense.count < index { memoDense.append(-1) }
                memoDense.append(value)
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
            try pushIndex(slot)
            return
        }
        guard let i = memoSparse[index] else { throw fail(.memoMissing, "memo index was never PUT") }
        try pushIndex(i)
    }
}
