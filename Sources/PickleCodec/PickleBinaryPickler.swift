/// Protocols 2–5, written as CPython 3.11's `_pickle.c` writes them.
///
/// Work is an explicit stack of steps rather than recursion, so a deeply
/// nested document cannot overflow the call stack. Every step that stands for
/// CPython's `save(obj)` first calls ``PickleFrameWriter/opcodeBoundary()``,
/// which is where CPython may close a frame.
struct PickleBinaryPickler {
    typealias Key = PickleEncoderMemoKey

    enum Step {
        /// `save(node)`.
        case save(PickleRef)
        /// An opcode that is not a `save` (REDUCE, TUPLE2, SETITEMS, ...).
        case op(UInt8)
        /// `save` of an object written as one opcode and never memoized (`()`).
        case atom(UInt8)
        /// `memo_put` of an object others may refer to; after REDUCE/NEWOBJ, an object its own
        /// arguments already memoized is popped and fetched instead (CPython's `save_reduce`).
        case memoize(Key)
        /// ``memoize(_:)``, then `then` (items, state) unless the object turned out recursive.
        case memoizeThen(Key, then: [Step])
        /// The end of a node's steps.
        case finish(Int)
        /// `memo_put` of an object the pickler made and nobody else can reach.
        case memoizeFresh
        /// Closes a non-empty tuple: recursive ones are popped and fetched from the memo.
        case tupleEnd(Key, count: Int, marked: Bool)
        /// Closes a protocol-4 frozenset the same way.
        case frozensetEnd(Key)
        /// `save(int)` of a value the pickler made.
        case int(Int64)
        /// `save(int)` of a non-negative big-endian magnitude (`UUID.int`).
        case unsignedBigEndian([UInt8])
        /// `save(str)` of a new str (subject to CPython's one-character cache).
        case freshString(String)
        /// `save(str)` of a new str that never comes from CPython's one-character cache
        /// (`str(Decimal)` builds its result directly).
        case uncachedString(String)
        /// `save(str)` of an interned str.
        case internedString(String)
        /// `save(str)` of a timezone's name (see ``PickleEncoderMemoKey/timezoneName(_:)``).
        case timezoneName(String)
        /// `save(bytes)` of a new bytes object.
        case freshBytes([UInt8])
        /// `save(list)` of a new list (protocol 2/3 set and frozenset arguments).
        case freshList([PickleRef])
        /// `save({})` of a new empty dict.
        case emptyDict
        /// `save(timedelta)` of a new timedelta (a timezone's offset).
        case timedelta(PickleTimedelta)
        /// `save(dict)` of `UUID.__getstate__()`.
        case uuidState([UInt8])
        /// `save(cls)`.
        case global(PickleGlobal)
    }

    /// CPython's `BATCHSIZE` for APPENDS, SETITEMS and ADDITEMS.
    static let batchSize = 1000

    let doc: PickleDocument
    let proto: Int
    var out = PickleFrameWriter()
    var memo: [Key: Int] = [:]
    var memoCount = 0
    var work: [Step] = []
    /// Expansions of each node under way; see ``PickleEncoder/maxReentry``.
    var active: [UInt8]

    init(document: PickleDocument, protocol proto: Int) {
        self.doc = document
        self.proto = proto
        self.active = [UInt8](repeating: 0, count: document.nodes.count)
    }

    mutating func run() throws(PickleError) -> [UInt8] {
        out.write(PickleOpcode.proto, UInt8(proto))
        out.framing = proto >= 4
        work.append(.save(doc.root))
        while let step = work.popLast() {
            try perform(step)
        }
        out.write(PickleOpcode.stop)
        out.commitFrame()
        return out.bytes
    }

    /// Schedules `steps` to run next, in order.
    mutating func push(_ steps: [Step]) {
        work.append(contentsOf: steps.reversed())
    }

    // MARK: memo

    mutating func memoPut() {
        let id = memoCount
        memoCount += 1
        if proto >= 4 {
            out.write(PickleOpcode.memoize)
        } else if id < 256 {
            out.write(PickleOpcode.binPut, UInt8(id))
        } else {
            out.write(PickleOpcode.longBinPut)
            out.writeLE(UInt64(id), width: 4)
        }
    }

    mutating func memoPut(_ key: Key) {
        memo[key] = memoCount
        memoPut()
    }

    mutating func memoGet(_ id: Int) {
        if id < 256 {
            out.write(PickleOpcode.binGet, UInt8(id))
        } else {
            out.write(PickleOpcode.longBinGet)
            out.writeLE(UInt64(id), width: 4)
        }
    }

    /// Writes a GET and returns true when `key` is already in the memo.
    mutating func fetched(_ key: Key) -> Bool {
        guard let id = memo[key] else { return false }
        memoGet(id)
        return true
    }

    // MARK: steps

    mutating func perform(_ step: Step) throws(PickleError) {
        switch step {
        case .save(let ref):
            out.opcodeBoundary()
            try save(ref)
        case .op(let op):
            out.write(op)
        case .atom(let op):
            out.opcodeBoundary()
            out.write(op)
        case .memoize(let key):
            if let id = memo[key] {
                out.write(PickleOpcode.pop)
                memoGet(id)
            } else {
                memoPut(key)
            }
        case .memoizeThen(let key, let then):
            if let id = memo[key] {
                out.write(PickleOpcode.pop)
                memoGet(id)
            } else {
                memoPut(key)
                push(then)
            }
        case .finish(let index):
            active[index] -= 1
        case .memoizeFresh:
            memoPut()
        case .tupleEnd(let key, let count, let marked):
            if let id = memo[key] {
                // The tuple reached itself through its items: drop what was pushed, fetch the memo.
                if marked {
                    out.write(PickleOpcode.popMark)
                } else {
                    for _ in 0..<count { out.write(PickleOpcode.pop) }
                }
                memoGet(id)
            } else {
                out.write(marked ? PickleOpcode.tuple : [PickleOpcode.emptyTuple, PickleOpcode.tuple1, PickleOpcode.tuple2, PickleOpcode.tuple3][count])
                memoPut(key)
            }
        case .frozensetEnd(let key):
            if let id = memo[key] {
                out.write(PickleOpcode.popMark)
                memoGet(id)
            } else {
                out.write(PickleOpcode.frozenSet)
                memoPut(key)
            }
        case .int(let v):
            out.opcodeBoundary()
            writeInt(v)
        case .unsignedBigEndian(let be):
            out.opcodeBoundary()
            writeLong(PickleEncoder.twosComplement(unsignedBigEndian: be))
        case .freshString(let s):
            out.opcodeBoundary()
            if let key = Key.shortString(s) {
                if fetched(key) { return }
                writeUnicode(s)
                memoPut(key)
            } else {
                writeUnicode(s)
                memoPut()
            }
        case .internedString(let s):
            out.opcodeBoundary()
            let key = Key.interned(s)
            if fetched(key) { return }
            writeUnicode(s)
            memoPut(key)
        case .uncachedString(let s):
            out.opcodeBoundary()
            writeUnicode(s)
            memoPut()
        case .timezoneName(let s):
            out.opcodeBoundary()
            let key = Key.shortString(s) ?? .timezoneName(s)
            if fetched(key) { return }
            writeUnicode(s)
            memoPut(key)
        case .freshBytes(let b):
            out.opcodeBoundary()
            saveBytes(b, key: nil)
        case .freshList(let items):
            out.opcodeBoundary()
            out.write(PickleOpcode.emptyList)
            memoPut()
            push(listBatches(items))
        case .emptyDict:
            out.opcodeBoundary()
            out.write(PickleOpcode.emptyDict)
            memoPut()
        case .timedelta(let td):
            out.opcodeBoundary()
            push(timedeltaSteps(td) + [.memoizeFresh])
        case .uuidState(let be):
            out.opcodeBoundary()
            out.write(PickleOpcode.emptyDict)
            memoPut()
            push([.internedString("int"), .unsignedBigEndian(be), .op(PickleOpcode.setItem)])
        case .global(let g):
            out.opcodeBoundary()
            try saveGlobal(g)
        }
    }

    mutating func saveGlobal(_ g: PickleGlobal) throws(PickleError) {
        let key = Key.global(g)
        if fetched(key) { return }
        if proto >= 4 {
            push([.internedString(g.module), .freshString(g.name), .op(PickleOpcode.stackGlobal), .memoize(key)])
        } else {
            let written = proto < 3 ? PickleEncoder.python2Global(g) : g
            try PickleEncoder.checkGlobalLine(written)
            out.write(PickleOpcode.global)
            out.write(written.module.utf8)
            out.write(0x0A)
            out.write(written.name.utf8)
            out.write(0x0A)
            memoPut(key)
        }
    }

    /// The memo identity of a node.
    func memoKey(_ ref: PickleRef, _ node: PickleNode) -> Key {
        switch node {
        case .string(let s):
            return Key.shortString(s) ?? .node(ref.index)
        case .timezone(let tz) where tz.isUTCSingleton:
            return .utc
        default:
            return .node(ref.index)
        }
    }
}

extension PickleTimezone {
    /// Whether CPython would hold this as `datetime.timezone.utc`.
    var isUTCSingleton: Bool {
        name == nil && offset.days == 0 && offset.seconds == 0 && offset.microseconds == 0
            && origin.normalized == .datetimeTimezone
    }
}
