/// The unpickler's machine: one run over one pickle.
///
/// Every value becomes a ``PickleRawNode`` in the document's flat arena; the stack and
/// memo hold node indices, so containers memoized before they are filled (as CPython
/// writes them) are seen filled by later GETs, and shared references or cycles are
/// never copied. Text, bytes and container items are ranges of a few shared buffers,
/// so a session costs a handful of allocations. Nothing here recurses.
struct PickleUnpickler {
    let input: [UInt8]
    let limits: PickleLimits
    /// The input's bytes, valid while ``run()`` runs (it holds `input` alive).
    var base: UnsafePointer<UInt8>
    /// Next byte to read.
    var pos = 0
    /// Where the bytes readable without further checks end: the current FRAME's end, else the input's.
    var limit: Int
    /// End of the current FRAME, while inside one.
    var frameEnd: Int?
    /// Offset and byte of the opcode being executed (for errors).
    var opcodeStart = 0
    var opcode: UInt8 = 0
    /// Opcodes still allowed by ``PickleLimits/maxOpcodes`` (counted down: a decrement and a sign test per opcode).
    var opcodesLeft: Int

    /// The document's storage being built (arena, byte and item buffers, extras).
    let st: PickleStorage
    /// Node indices. This and the next two start in the storage's block; ``run()`` frees any they moved to.
    var stack: PickleBuffer<Int>
    /// Stack heights at each open MARK.
    var marks: PickleBuffer<Int>
    /// Memo slots 0 ..< count, `-1` when empty: MEMOIZE and CPython's PUT indices are small and dense.
    var memoDense: PickleBuffer<Int>
    /// Memo entries at indices the dense array does not cover (sparse or huge PUT indices).
    var memoSparse: [Int: Int] = [:]
    /// Number of memo entries (MEMOIZE's next index, as `len(memo)` in CPython).
    var memoCount = 0
    /// Payload budget used so far (see ``PickleLimits/maxDecodedBytes``).
    var decodedBytes = 0
    /// Per dict node with more than ``linearKeyScanLimit`` keys: a hash index of its keys,
    /// so a repeated key replaces its value as in Python (smaller dicts are scanned).
    var keyTables: [Int: PickleKeyTable] = [:]

    init(input: [UInt8], limits: PickleLimits) {
        self.input = input
        self.limits = limits
        self.base = UnsafePointer(bitPattern: 1)!  // replaced in run(); never read before
        self.limit = input.count
        // A negative limit refuses the first opcode, as 0 does (and cannot wrap when counted down).
        self.opcodesLeft = max(limits.maxOpcodes, 0)
        // Sized by the input (so bounded by maxInputBytes), in one allocation the storage keeps.
        let room = PickleStorage.DecodeRoom(inputCount: input.count)
        st = PickleStorage(input: input, room: room)
        stack = room.stack
        marks = room.marks
        memoDense = room.memo
    }

    /// Runs the pickle to its STOP. Call once: it frees the machine's own buffers.
    mutating func run() throws(PickleError) -> PickleDocument {
        defer {
            stack.free()
            marks.free()
            memoDense.free()
        }
        // Offsets are 32-bit in storage.
        guard input.count <= limits.maxInputBytes, input.count <= Int(UInt32.max) else {
            throw PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes")
        }
        guard !input.isEmpty else { throw PickleError(.truncated, offset: 0, detail: "input ended before STOP") }
        let bytes = input
        let root = try bytes.withUnsafeBufferPointer { (buffer) throws(PickleError) -> Int in
            base = buffer.baseAddress!
            return try loop()
        }
        base = UnsafePointer(bitPattern: 1)!
        return PickleDocument(storage: st, root: PickleRef(root))
    }

    private mutating func loop() throws(PickleError) -> Int {
        while true {
            opcodeStart = pos
            let op: UInt8
            if pos < limit {
                op = base[pos]
                pos &+= 1
            } else {
                guard pos < input.count else {
                    throw PickleError(.truncated, offset: pos, detail: "input ended before STOP")
                }
                op = base[try takeSlow(1)]
            }
            opcode = op
            opcodesLeft &-= 1  // from at least 0, at most one per input byte: no overflow
            guard opcodesLeft >= 0 else { throw fail(.limitExceeded, "more opcodes than maxOpcodes") }
            if op == PickleOpcode.stop { return try popIndex() }
            try execute(op)
        }
    }

    /// An error at the current opcode.
    func fail(_ code: PickleError.Code, _ detail: String) -> PickleError {
        PickleError(code, offset: opcodeStart, opcode: opcode, detail: detail)
    }

    // Inlined into the loop, its only caller: one call less per opcode.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    @inline(__always)
    mutating func execute(_ op: UInt8) throws(PickleError) {
        typealias O = PickleOpcode
        switch op {
        case O.binUnicode:
            let n = try readLength4Unsigned()
            try pushText(n)
            try memoizeIfNext()
        case O.shortBinUnicode:
            let n = Int(try readByte())
            if !pushShortASCII(n) { try pushText(n) }
            try memoizeIfNext()
        case O.binUnicode8:
            let n = try readLength8()
            try pushText(n)
            try memoizeIfNext()
        case O.memoize: try memoPutFast(memoCount)
        case O.binPut: try memoPutFast(Int(try readByte()))
        case O.longBinPut: try memoPutFast(try readLength4Unsigned())
        case O.binGet: try memoGet(Int(try readByte()))
        case O.longBinGet: try memoGet(try readLength4Unsigned())
        case O.mark:
            guard marks.count < limits.maxMarkDepth else { throw fail(.limitExceeded, "more open MARKs than maxMarkDepth") }
            marks.append(stack.count)
        case O.binInt1: try pushScalar(.int, UInt64(try readByte()))
        case O.binInt2:
            let s = try take(2)
            try pushScalar(.int, UInt64(base[s]) | UInt64(base[s + 1]) << 8)
        case O.binInt:
            let s = try take(4)
            let u = UInt32(base[s]) | UInt32(base[s + 1]) << 8 | UInt32(base[s + 2]) << 16 | UInt32(base[s + 3]) << 24
            try pushScalar(.int, UInt64(bitPattern: Int64(Int32(bitPattern: u))))
        case O.binFloat:
            let s = try take(8)
            // take(8) checked the 8 bytes are there: one unaligned big-endian load.
            let bits = UInt64(bigEndian: UnsafeRawPointer(base + s).loadUnaligned(as: UInt64.self))
            try pushScalar(.float, bits)
        case O.none: try pushScalar(.none, 0)
        case O.newTrue: try pushScalar(.bool, 1)
        case O.newFalse: try pushScalar(.bool, 0)
        case O.emptyDict: try pushContainer(.dict, count: 0); try memoizeIfNext()
        case O.emptyList: try pushContainer(.list, count: 0); try memoizeIfNext()
        case O.emptyTuple: try pushContainer(.tuple, count: 0)
        case O.emptySet: try pushContainer(.set, count: 0); try memoizeIfNext()
        case O.setItem:
            guard stack.count - 3 >= (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
            let kv = popItems(2)
            try setItems(in: stack.base[stack.count - 1], kv)
        case O.setItems:
            let kv = try popMarkItems()
            let target = try topIndex()
            try setItems(in: target, kv)
        case O.append:
            guard stack.count - 2 >= (marks.last ?? 0) else { throw fail(.stackUnderflow, "stack empty") }
            let items = popItems(1)
            try appendItems(to: stack.base[stack.count - 1], items)
        case O.appends:
            let items = try popMarkItems()
            let target = try topIndex()
            try appendItems(to: target, items)
        case O.tuple1: try pushSmallTuple(1)
        case O.tuple2: try pushSmallTuple(2)
        case O.tuple3: try pushSmallTuple(3)
        case O.tuple:
            guard marks.count > 0 else { throw fail(.markMissing, "no MARK on the stack") }
            let m = marks.removeLast()
            try pushTupleFromStack(stack.count - m)
            try putIfNext()
        case O.frame:
            try beginFrame()
        case O.proto:
            let v = try readByte()
            guard v <= O.highestProtocol else { throw fail(.unsupportedProtocol, "protocol above 5") }
        case O.shortBinBytes:
            let n = Int(try readByte())
            try pushBytes(.bytes, n)
            try memoizeIfNext()
        case O.binBytes:
            let n = try readLength4Unsigned()
            try pushBytes(.bytes, n)
        case O.binBytes8:
            let n = try readLength8()
            try pushBytes(.bytes, n)
        case O.byteArray8:
            let n = try readLength8()
            try pushBytes(.bytearray, n)
        case O.shortBinString:
            let n = Int(try readByte())
            try pushBytes(.py2String, n)
        case O.binString:
            let n = try readLength4Signed()
            try pushBytes(.py2String, n)
        default:
            try executeRare(op)
        }
    }

    /// The opcodes of text protocols, objects and odd shapes.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func executeRare(_ op: UInt8) throws(PickleError) {
        typealias O = PickleOpcode
        switch op {
        case O.int: try pushIntLine()
        case O.long: try push(try parseLongLine())
        case O.long1:
            let n = Int(try readByte())
            let r = try read(n)
            try pushLong(r)
        case O.long4:
            let n = try readLength4Signed()
            try checkBinaryLongSize(n)
            let r = try read(n)
            try pushLong(r)
        case O.float: try pushScalar(.float, try parseFloatLine().bitPattern)
        case O.string: try pushQuotedStringLine()
        case O.unicode: try pushRawUnicodeEscapeLine()
        case O.list:
            guard marks.count > 0 else { throw fail(.markMissing, "no MARK on the stack") }
            let m = marks.removeLast()
            try chargeSlots(stack.count - m)
            try pushContainerFromStack(.list, from: m)
            try putIfNext()
        case O.dict:
            // The items stay in the stack's memory until the next push: the dict is filled, then pushed.
            let items = try popMarkItems()
            let ref = try addContainer(.dict)
            try setItems(in: ref, items)
            try pushIndex(ref)
            try putIfNext()
        case O.frozenSet:
            let items = try popMarkItems()
            let ref = try addContainer(.frozenset)
            try addToSet(ref, items, allowFrozen: true)
            try pushIndex(ref)
        case O.addItems:
            let items = try popMarkItems()
            let target = try topIndex()
            try addToSet(target, items, allowFrozen: false)
        case O.pop:
            if let m = marks.last, m == stack.count {
                _ = marks.removeLast()
            } else {
                _ = try popIndex()
            }
        case O.popMark: _ = try popMark()
        case O.dup: try pushIndex(try topIndex())
        case O.put: try memoPutFast(try parseIndexLine())
        case O.get: try memoGet(try parseIndexLine())
        case O.global:
            // Checked in the order two readTextLine() calls check, so errors stay the same: a module line
            // that is not ASCII is validated before the name line is read. An allowlisted name (ASCII)
            // is then found by its bytes, without building strings.
            let moduleLine = try readLine()
            try charge(moduleLine.count)
            let moduleText: String? = PickleUTF8.isASCII(base + moduleLine.lowerBound, moduleLine.count)
                ? nil : try text(ofLine: moduleLine)
            let nameLine = try readLine()
            try charge(nameLine.count)
            let found = moduleText != nil ? nil : PickleKnownGlobal.CommonTable.shared.lookup(
                module: base + moduleLine.lowerBound, moduleLine.count, name: base + nameLine.lowerBound, nameLine.count)
            if let found {
                try pushCommonGlobal(found.index, known: found.known)
            } else {
                let module: String
                if let moduleText { module = moduleText } else { module = try text(ofLine: moduleLine) }
                try pushGlobal(PickleGlobal(module: module, name: try text(ofLine: nameLine)))
            }
            try putIfNext()
        case O.stackGlobal:
            let name = st.raw[try popIndex()], module = st.raw[try popIndex()]
            guard name.tag == .string, module.tag == .string else { throw fail(.typeMismatch, "STACK_GLOBAL requires two str") }
            // Both texts are validated UTF-8 ranges of the input or the heap: compared in place.
            if let found = PickleKnownGlobal.CommonTable.shared.lookup(module: bytesStart(of: module), Int(module.count),
                                              name: bytesStart(of: name), Int(name.count)) {
                try pushCommonGlobal(found.index, known: found.known)
            } else {
                try pushGlobal(PickleGlobal(module: st.withBytes(of: module) { String(decoding: $0, as: UTF8.self) },
                                            name: st.withBytes(of: name) { String(decoding: $0, as: UTF8.self) }))
            }
            try memoizeIfNext()
        case O.reduce:
            let args = try popIndex(), callable = try popIndex()
            if try !reduceFast(callable: callable, args: args) {
                try loadReduce(callable: PickleRef(callable), args: PickleRef(args))
            }
            if try !memoizeIfNext() { try putIfNext() }
        case O.newObj:
            let args = try popIndex(), cls = try popIndex()
            if try !newObjFast(cls: cls, args: args) {
                try loadNewObj(cls: PickleRef(cls), args: PickleRef(args), kwargs: nil)
            }
            try memoizeIfNext()
        case O.newObjEx:
            let kwargs = try pop(), args = try pop(), cls = try pop()
            try loadNewObj(cls: cls, args: args, kwargs: kwargs)
        case O.inst:
            let module = try readTextLine()
            let name = try readTextLine()
            let args = try popMark()
            try loadInst(PickleGlobal(module: module, name: name), args: args)
        case O.obj:
            let items = try popMark()
            guard let clsRef = items.first else { throw fail(.stackUnderflow, "OBJ needs a class") }
            guard case .global(let cls) = st[clsRef] else { throw fail(.typeMismatch, "OBJ class is not a global") }
            try loadInst(cls, args: Array(items.dropFirst()))
        case O.build:
            let state = try popIndex()
            let target = try topIndex()
            if try buildFast(target: target, state: state) { return }
            try loadBuild(target: PickleRef(target), state: PickleRef(state))
        case O.persID, O.binPersID:
            throw fail(.unsupportedOpcode, "persistent IDs are not supported")
        case O.ext1, O.ext2, O.ext4:
            throw fail(.unsupportedOpcode, "extension registry codes are not supported")
        case O.nextBuffer, O.readonlyBuffer:
            throw fail(.unsupportedOpcode, "out-of-band buffers are not supported")
        default:
            throw fail(.unknownOpcode, "not a pickle opcode")
        }
    }
}
