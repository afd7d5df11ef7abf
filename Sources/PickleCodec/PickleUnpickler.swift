/// The unpickler's machine: one run over one pickle.
///
/// Every value becomes a node in a flat arena; the stack and memo hold
/// ``PickleRef``s, so containers memoized before they are filled (as CPython
/// writes them) are seen filled by later GETs, and shared references or
/// cycles are never copied. Nothing here recurses.
struct PickleUnpickler {
    let input: [UInt8]
    let limits: PickleLimits
    /// Next byte to read.
    var pos = 0
    /// End of the current FRAME, while inside one.
    var frameEnd: Int?
    /// Offset and byte of the opcode being executed (for errors).
    var opcodeStart = 0
    var opcode: UInt8 = 0
    var opcodeCount = 0

    var nodes: [PickleNode] = []
    var stack: [PickleRef] = []
    /// Reused item buffer for opcodes that copy the items above a MARK into an existing container.
    var scratch: [PickleRef] = []
    /// Stack heights at each open MARK.
    var marks: [Int] = []
    /// Memo slots 0 ..< count, `-1` when empty: MEMOIZE and CPython's PUT indices are small and dense.
    var memoDense: [Int] = []
    /// Memo entries at indices the dense array does not cover (sparse or huge PUT indices).
    var memoSparse: [Int: PickleRef] = [:]
    /// Number of memo entries (MEMOIZE's next index, as `len(memo)` in CPython).
    var memoCount = 0
    /// Payload budget used so far (see ``PickleLimits/maxDecodedBytes``).
    var decodedBytes = 0
    /// Per dict node with more than ``linearKeyScanLimit`` keys: position of each simple key,
    /// so a repeated key replaces its value as in Python (smaller dicts are scanned).
    var dictKeyPositions: [Int: [PickleKeyIdentity: Int]] = [:]

    init(input: [UInt8], limits: PickleLimits) {
        self.input = input
        self.limits = limits
        // A web.py session has a few dozen values; sized by the input, so bounded by maxInputBytes.
        let expected = min(input.count / 8, 1024)
        nodes.reserveCapacity(expected)
        memoDense.reserveCapacity(expected)
    }

    /// Runs the pickle to its STOP.
    mutating func run() throws(PickleError) -> PickleDocument {
        guard input.count <= limits.maxInputBytes else {
            throw PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes")
        }
        while true {
            opcodeStart = pos
            opcode = 0
            guard pos < input.count else {
                throw PickleError(.truncated, offset: pos, detail: "input ended before STOP")
            }
            let op = try readByte()
            opcode = op
            opcodeCount += 1
            guard opcodeCount <= limits.maxOpcodes else { throw fail(.limitExceeded, "more opcodes than maxOpcodes") }
            if op == PickleOpcode.stop {
                let root = try pop()
                return PickleDocument(nodes: nodes, root: root)
            }
            try execute(op)
        }
    }

    /// An error at the current opcode.
    func fail(_ code: PickleError.Code, _ detail: String) -> PickleError {
        PickleError(code, offset: opcodeStart, opcode: opcode, detail: detail)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func execute(_ op: UInt8) throws(PickleError) {
        typealias O = PickleOpcode
        switch op {
        case O.proto:
            let v = try readByte()
            guard v <= O.highestProtocol else { throw fail(.unsupportedProtocol, "protocol above 5") }
        case O.frame:
            try beginFrame()
        case O.none: try push(.none)
        case O.newTrue: try push(.bool(true))
        case O.newFalse: try push(.bool(false))
        case O.int: try push(try parseIntLine())
        case O.binInt:
            let r = try read(4)
            let u = UInt32(input[r.lowerBound]) | UInt32(input[r.lowerBound + 1]) << 8
                | UInt32(input[r.lowerBound + 2]) << 16 | UInt32(input[r.lowerBound + 3]) << 24
            try push(.int(Int64(Int32(bitPattern: u))))
        case O.binInt1: try push(.int(Int64(try readByte())))
        case O.binInt2:
            let r = try read(2)
            try push(.int(Int64(UInt16(input[r.lowerBound]) | UInt16(input[r.lowerBound + 1]) << 8)))
        case O.long: try push(try parseLongLine())
        case O.long1:
            let n = Int(try readByte())
            let r = try read(n)
            let value = try longFromBytes(r)
            try push(value)
        case O.long4:
            let n = try readLength4Signed()
            try checkBinaryLongSize(n)
            let r = try read(n)
            let value = try longFromBytes(r)
            try push(value)
        case O.float: try push(.float(try parseFloatLine()))
        case O.binFloat:
            let r = try read(8)
            var bits: UInt64 = 0
            for i in r { bits = bits << 8 | UInt64(input[i]) }
            try push(.float(Double(bitPattern: bits)))
        case O.string: try push(.py2String(PickleBytes(try parseQuotedStringLine())))
        case O.binString:
            let n = try readLength4Signed()
            try push(.py2String(PickleBytes(try readPayload(n))))
        case O.shortBinString:
            let n = Int(try readByte())
            try push(.py2String(PickleBytes(try readPayload(n))))
        case O.unicode: try push(.string(try parseRawUnicodeEscapeLine()))
        case O.binUnicode:
            let n = try readLength4Unsigned()
            let r = try readRangeCharged(n)
            let text = try decodeUTF8(r)
            try push(.string(text))
        case O.shortBinUnicode:
            let n = Int(try readByte())
            let r = try readRangeCharged(n)
            let text = try decodeUTF8(r)
            try push(.string(text))
        case O.binUnicode8:
            let n = try readLength8()
            let r = try readRangeCharged(n)
            let text = try decodeUTF8(r)
            try push(.string(text))
        case O.binBytes:
            let n = try readLength4Unsigned()
            try push(.bytes(try readPayload(n)))
        case O.shortBinBytes:
            let n = Int(try readByte())
            try push(.bytes(try readPayload(n)))
        case O.binBytes8:
            let n = try readLength8()
            try push(.bytes(try readPayload(n)))
        case O.byteArray8:
            let n = try readLength8()
            try push(.bytearray(try readPayload(n)))
        case O.emptyTuple: try push(.tuple([]))
        case O.tuple1:
            let a = try pop()
            try pushTuple([a])
        case O.tuple2:
            let b = try pop(), a = try pop()
            try pushTuple([a, b])
        case O.tuple3:
            let c = try pop(), b = try pop(), a = try pop()
            try pushTuple([a, b, c])
        case O.tuple: try pushTuple(try popMark())
        case O.emptyList: try push(.list([]))
        case O.list:
            let items = try popMark()
            try chargeSlots(items.count)
            try push(.list(items))
        case O.emptyDict: try push(.dict(PickleDict()))
        case O.dict:
            var items = takeScratch()
            try popMark(into: &items)
            let ref = try push(.dict(PickleDict()))
            try setItems(in: ref, items)
            returnScratch(items)
        case O.emptySet: try push(.set([]))
        case O.frozenSet:
            let items = try popMark()
            let ref = try push(.frozenset([]))
            try addToSet(ref, items, allowFrozen: true)
        case O.append:
            let v = try pop()
            let target = try top()
            var items = takeScratch()
            items.append(v)
            try appendItems(to: target, items)
            returnScratch(items)
        case O.appends:
            var items = takeScratch()
            try popMark(into: &items)
            let target = try top()
            try appendItems(to: target, items)
            returnScratch(items)
        case O.setItem:
            let v = try pop(), k = try pop()
            let target = try top()
            var items = takeScratch()
            items.append(k)
            items.append(v)
            try setItems(in: target, items)
            returnScratch(items)
        case O.setItems:
            var items = takeScratch()
            try popMark(into: &items)
            let target = try top()
            try setItems(in: target, items)
            returnScratch(items)
        case O.addItems:
            var items = takeScratch()
            try popMark(into: &items)
            let target = try top()
            try addToSet(target, items, allowFrozen: false)
            returnScratch(items)
        case O.pop:
            if let m = marks.last, m == stack.count {
                marks.removeLast()
            } else {
                _ = try pop()
            }
        case O.popMark: _ = try popMark()
        case O.dup: try pushRef(try top())
        case O.mark:
            guard marks.count < limits.maxMarkDepth else { throw fail(.limitExceeded, "more open MARKs than maxMarkDepth") }
            marks.append(stack.count)
        case O.put: try memoPut(try parseIndexLine())
        case O.binPut: try memoPut(Int(try readByte()))
        case O.longBinPut: try memoPut(try readLength4Unsigned())
        case O.memoize: try memoPut(memoCount)
        case O.get: try memoGet(try parseIndexLine())
        case O.binGet: try memoGet(Int(try readByte()))
        case O.longBinGet: try memoGet(try readLength4Unsigned())
        case O.global:
            let module = try readTextLine()
            let name = try readTextLine()
            try push(.global(PickleGlobal(module: module, name: name)))
        case O.stackGlobal:
            let nameRef = try pop(), moduleRef = try pop()
            guard case .string(let name) = nodes[nameRef.index], case .string(let module) = nodes[moduleRef.index] else {
                throw fail(.typeMismatch, "STACK_GLOBAL requires two str")
            }
            try push(.global(PickleGlobal(module: module, name: name)))
        case O.reduce:
            let args = try pop(), callable = try pop()
            try loadReduce(callable: callable, args: args)
        case O.newObj:
            let args = try pop(), cls = try pop()
            try loadNewObj(cls: cls, args: args, kwargs: nil)
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
            guard case .global(let cls) = nodes[clsRef.index] else { throw fail(.typeMismatch, "OBJ class is not a global") }
            try loadInst(cls, args: Array(items.dropFirst()))
        case O.build:
            let state = try pop()
            try loadBuild(target: try top(), state: state)
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
