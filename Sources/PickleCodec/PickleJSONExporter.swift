/// The explicit-stack walk behind ``PickleDocument/canonicalJSON(_:limits:)``.
///
/// Scalars are written as they are reached; a container pushes a continuation
/// (`seq`/`entries`) that yields one element per step, so the task stack holds
/// one entry per open container rather than one per element.
///
/// Replay: the bytes a container wrote are copied, not re-walked, when it is
/// written again in an equivalent context. A container on no cycle always
/// writes the same bytes; one on a cycle writes bytes that depend only on
/// which members of its strongly connected component are open above it
/// (any other descendant cannot be an ancestor), so the cache key adds a
/// seeded 64-bit digest of that set. Shared expansions then cost a memory
/// copy, which keeps even a cyclic billion-laughs export at memcpy speed
/// until the budget stops it.
struct PickleJSONExporter {
    struct ReplayKey: Hashable {
        var node: Int
        var context: UInt64
    }

    struct Recorded {
        var start: Int
        var end: Int
        /// Deepest nesting inside, relative to the container itself.
        var depth: Int
    }

    enum Task {
        case value(PickleRef)
        case literal(StaticString)
        case leave(node: Int, start: Int, context: UInt64)
        /// Elements of an array from the index on, comma-separated.
        case seq([PickleRef], Int)
        /// Key/value items (alternating) from the pair index on; as an object when `Bool`.
        case entries([PickleRef], Int, Bool)
        /// A list, tuple or set read from storage: item slots `at ..< end`, the first being `start`.
        case slots(at: Int, start: Int, end: Int)
        /// A dict read from storage: key/value slots alternating from `at`; as an object when `Bool`.
        case slotEntries(at: Int, start: Int, end: Int, Bool)
    }

    let document: PickleDocument
    let limits: PickleLimits
    var out: PickleJSONWriter
    var tasks: [Task] = []
    /// 1 for containers being written (ancestors of the current value).
    var onPath: [UInt8]
    var depth = 0
    /// Rendered big integers and floats by node: a shared one is formatted once, however often it is written.
    var rendered: [Int: String] = [:]
    /// Replay is an optimization; tests turn it off to check that output is identical.
    var replayEnabled = true
    /// Likewise ``treeBound(_:)`` (off: the full analysis always runs).
    var treeCheckEnabled = true
    var replay: [ReplayKey: Recorded] = [:]
    var component: [Int] = []
    var cyclic: [Bool] = []
    /// Referenced more than once: only these (and nodes on cycles) can be written twice.
    var shared: [Bool] = []
    /// Per component: digest of its members currently open.
    var componentContext: [Int: UInt64] = [:]
    /// Deepest nesting seen inside each open container (absolute depth).
    var deepest: [Int] = []
    /// Drawn when a cycle first needs it: a `getrandom` call per export was 1% of `decode --lines` (perf).
    private lazy var seed = UInt64.random(in: 0 ... .max)

    init(document: PickleDocument, limits: PickleLimits, maxBytes: Int = .max) {
        self.document = document
        self.limits = limits
        self.out = PickleJSONWriter(budget: PickleJSONBudget(document: document, limits: limits, maxBytes: maxBytes))
        self.onPath = [UInt8](repeating: 0, count: document.nodes.count)
    }

    mutating func export(_ ref: PickleRef) throws(PickleError) -> String {
        String(decoding: try exportUTF8(ref), as: UTF8.self)
    }

    mutating func exportUTF8(_ ref: PickleRef) throws(PickleError) -> [UInt8] {
        // A tree (the common session) needs none of the analysis' tables: skipping it was 19% of
        // `decode --lines` (perf, protocol-4 bench corpus: eight arrays per export, one per node).
        if treeCheckEnabled, let bound = treeBound(ref), bound <= out.budget {
            // No cycles, no shared containers: `component`, `cyclic` and `shared` stay empty (nothing replayed).
        } else {
            let analysis = analyzeExpansion(ref)
            if analysis.bound > out.budget { throw out.overBudget }
            component = analysis.component
            cyclic = analysis.cyclic
            shared = analysis.shared
        }
        try write(ref)
        while let task = tasks.popLast() {
            switch task {
            case .literal(let s): out.raw(s)
            case .leave(let node, let start, let context): leave(node, start: start, context: context)
            case .value(let r): try write(r)
            case .seq(let items, let i):
                guard i < items.count else { continue }
                if i + 1 < items.count { tasks.append(.seq(items, i + 1)) }
                if i > 0 { out.raw(",") }
                try write(items[i])
            case .entries(let items, let i, let asObject):
                guard 2 * i + 1 < items.count else { continue }
                if 2 * i + 3 < items.count { tasks.append(.entries(items, i + 1, asObject)) }
                if i > 0 { out.raw(",") }
                if asObject {
                    try out.string(document.text(of: items[2 * i])!)
                    out.raw(":")
                    try write(items[2 * i + 1])
                } else {
                    out.raw("[")
                    tasks.append(.literal("]"))
                    tasks.append(.value(items[2 * i + 1]))
                    tasks.append(.literal(","))
                    try write(items[2 * i])
                }
            case .slots(let at, let start, let end):
                guard at < end else { continue }
                if at + 1 < end { tasks.append(.slots(at: at + 1, start: start, end: end)) }
                if at > start { out.raw(",") }
                try write(PickleRef(document.storage.items[at]))
            case .slotEntries(let at, let start, let end, let asObject):
                guard at + 1 < end else { continue }
                if at + 3 < end { tasks.append(.slotEntries(at: at + 2, start: start, end: end, asObject)) }
                if at > start { out.raw(",") }
                let storage = document.storage
                let key = PickleRef(storage.items[at]), value = PickleRef(storage.items[at + 1])
                if asObject {
                    try writeKey(key)
                    out.raw(":")
                    try write(value)
                } else {
                    out.raw("[")
                    tasks.append(.literal("]"))
                    tasks.append(.value(value))
                    tasks.append(.literal(","))
                    try write(key)
                }
            }
            try out.check()
        }
        try out.check()
        return out.bytes
    }

    /// The replay key of `r` in the current context.
    private func replayKey(_ r: Int) -> ReplayKey {
        guard r < cyclic.count, cyclic[r] else { return ReplayKey(node: r, context: 0) }
        return ReplayKey(node: r, context: componentContext[component[r]] ?? 0)
    }

    private mutating func digest(_ r: Int) -> UInt64 {
        var z = UInt64(r) &+ seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Copies what `r` wrote before in this context, if anything; true when done.
    private mutating func replayed(_ r: PickleRef) throws(PickleError) -> Bool {
        guard replayEnabled, let rec = replay[replayKey(r.index)] else { return false }
        guard depth + rec.depth <= limits.maxNestingDepth else { return false }
        let n = rec.end - rec.start
        guard n <= out.budget - out.bytes.count else { throw out.overBudget }
        let at = out.bytes.count
        out.bytes.append(contentsOf: repeatElement(0, count: n))
        out.bytes.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            (base + at).update(from: base + rec.start, count: n)
        }
        if !deepest.isEmpty { deepest[deepest.count - 1] = max(deepest[deepest.count - 1], depth + rec.depth) }
        return true
    }

    /// Marks a container as entered; its `leave` task is pushed first so it runs last.
    private mutating func enter(_ r: PickleRef) throws(PickleError) {
        guard depth < limits.maxNestingDepth else {
            throw PickleError(.jsonLimitExceeded, detail: "nesting deeper than maxNestingDepth")
        }
        let key = replayKey(r.index)
        depth += 1
        onPath[r.index] = 1
        if r.index < cyclic.count, cyclic[r.index] {
            let d = digest(r.index)
            componentContext[component[r.index], default: 0] ^= d
        }
        deepest.append(depth)
        tasks.append(.leave(node: r.index, start: out.bytes.count, context: key.context))
    }

    /// Closes a container and records its bytes for replay.
    private mutating func leave(_ r: Int, start: Int, context: UInt64) {
        onPath[r] = 0
        if r < cyclic.count, cyclic[r] {
            let d = digest(r)
            componentContext[component[r], default: 0] ^= d
        }
        let inner = deepest.removeLast()
        if !deepest.isEmpty { deepest[deepest.count - 1] = max(deepest[deepest.count - 1], inner) }
        if replayEnabled, r < shared.count, shared[r] || cyclic[r] {
            replay[ReplayKey(node: r, context: context)] = Recorded(start: start, end: out.bytes.count, depth: inner - depth + 1)
        }
        depth -= 1
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private mutating func write(_ r: PickleRef) throws(PickleError) {
        guard r.index >= 0, r.index < document.nodes.count else {
            throw PickleError(.badValue, detail: "reference outside the document")
        }
        if onPath[r.index] != 0 {
            out.raw("{\"$ref\":\"cycle\"}")
            return
        }
        // The common kinds are written from their storage records: building each `PickleNode` (a `String`
        // per str, an array per container) was over a third of `decode --lines` (perf, protocol-4 corpus).
        let storage = document.storage
        let record = storage.raw[r.index]
        switch record.tag {
        case .none: out.raw("null"); return
        case .bool: out.raw(record.payload != 0 ? "true" : "false"); return
        case .int: out.integer(Int64(bitPattern: record.payload)); return
        case .string:
            guard storage.withBytes(of: record, { out.quoted($0) }) else { throw out.overBudget }
            try out.check()
            return
        case .list, .tuple, .set, .frozenset:
            if try replayed(r) { return }
            try enter(r)
            out.raw("[")
            tasks.append(.literal("]"))
            tasks.append(.slots(at: record.start, start: record.start, end: record.start + Int(record.count)))
            return
        case .date:
            // Digits straight into the output: `isoformat()`'s Strings were 3.5% of `decode --lines` (perf).
            out.isoDate(record.payload)
            try out.check()
            return
        case .datetime:
            // Naive or with a fixed offset: never entered, so never replayed (the general path below is the same).
            let offset = record.ext == 0 ? nil : document.utcOffset(of: PickleRef(Int(record.ext) - 1))
            if record.ext == 0 || offset != nil {
                out.isoDateTime(record, utcOffset: offset)
                try out.check()
                return
            }
        case .dict:
            if try replayed(r) { return }
            try enter(r)
            let start = record.start, end = start + Int(record.count) & ~1
            let asObject = Self.allTextKeys(storage, start, end)
            out.raw(asObject ? "{" : "[")
            tasks.append(.literal(asObject ? "}" : "]"))
            tasks.append(.slotEntries(at: start, start: start, end: end, asObject))
            return
        default: break
        }
        let node = storage.node(at: r.index)
        switch node {
        case .list, .tuple, .set, .frozenset, .dict, .object, .datetime, .time:
            if try replayed(r) { return }
        default: break
        }
        switch node {
        case .none: out.raw("null")
        case .bool(let b): out.raw(b ? "true" : "false")
        case .int(let v): out.integer(v)
        case .bigInt(let b):
            if let text = rendered[r.index] { out.raw(text) } else {
                let text = b.decimalString
                rendered[r.index] = text
                out.raw(text)
            }
        case .float(let d):
            if d.isNaN { out.raw("\"NaN\"") } else if d.isInfinite { out.raw(d < 0 ? "\"-Infinity\"" : "\"Infinity\"") } else {
                if let text = rendered[r.index] { out.raw(text) } else {
                    let text = PickleFloatFormat.repr(d)
                    rendered[r.index] = text
                    out.raw(text)
                }
            }
        case .string(let s): try out.string(s)
        case .py2String(let b): try out.string(b.text)
        case .bytes(let b), .bytearray(let b): try out.base64(b)
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items):
            try enter(r)
            out.raw("[")
            tasks.append(.literal("]"))
            tasks.append(.seq(items, 0))
        case .dict(let d):
            try enter(r)
            var items: [PickleRef] = []
            items.reserveCapacity(d.keys.count * 2)
            for (k, v) in zip(d.keys, d.values) { items.append(k); items.append(v) }
            writeEntries(items)
        case .datetime(let dt):
            if let tz = dt.time.tzinfo, document.utcOffset(of: tz) == nil {
                try enter(r)
                out.raw("{\"$datetime\":")
                try out.string(dt.isoformat(utcOffset: nil))
                out.raw(",\"$tzinfo\":")
                tasks.append(.literal("}"))
                tasks.append(.value(tz))
            } else {
                try out.string(dt.isoformat(utcOffset: document.utcOffset(of: dt.time.tzinfo)))
            }
        case .date(let d): try out.string(d.isoformat)
        case .time(let t):
            if let tz = t.tzinfo, document.utcOffset(of: tz) == nil {
                try enter(r)
                out.raw("{\"$time\":")
                try out.string(t.isoformat(utcOffset: nil))
                out.raw(",\"$tzinfo\":")
                tasks.append(.literal("}"))
                tasks.append(.value(tz))
            } else {
                try out.string(t.isoformat(utcOffset: document.utcOffset(of: t.tzinfo)))
            }
        case .timedelta(let td): writeTimedelta(td)
        case .timezone(let tz):
            out.raw("{\"$class\":")
            try out.string(tz.origin.description)
            out.raw(",\"$args\":[")
            writeTimedelta(tz.offset)
            if let name = tz.name {
                out.raw(",")
                try out.string(name)
            }
            out.raw("]}")
        case .decimal(let d):
            let u = Array(d.string.utf8)
            let numeric = !u.isEmpty && (u[0] >= 0x30 && u[0] <= 0x39 || (u[0] == 0x2D && u.count > 1 && u[1] >= 0x30 && u[1] <= 0x39))
            if numeric { out.raw(d.string) } else { try out.string(d.string) }
        case .uuid(let u): try out.string(u.hyphenated)
        case .global(let g):
            out.raw("{\"$global\":")
            try out.string(g.python3Name.description)
            out.raw("}")
        case .object(let o):
            try enter(r)
            out.raw("{\"$class\":")
            try out.string(o.type.python3Name.description)
            tasks.append(.literal("}"))
            // Pushed in reverse: the first part is written first.
            if !o.dictItems.isEmpty {
                writeEntriesLater(o.dictItems)
                tasks.append(.literal(",\"$dictitems\":"))
            }
            if !o.listItems.isEmpty {
                tasks.append(.literal("]"))
                tasks.append(.seq(o.listItems, 0))
                tasks.append(.literal(",\"$items\":["))
            }
            if let s = o.state { tasks.append(.value(s)); tasks.append(.literal(",\"$state\":")) }
            if let k = o.kwargs { tasks.append(.value(k)); tasks.append(.literal(",\"$kwargs\":")) }
            if let a = o.args { tasks.append(.value(a)); tasks.append(.literal(",\"$args\":")) }
        }
    }

    /// A dict key known to be a str or Python 2 str (``allTextKeys``).
    private mutating func writeKey(_ key: PickleRef) throws(PickleError) {
        let storage = document.storage
        let record = storage.raw[key.index]
        if record.tag == .string {
            guard storage.withBytes(of: record, { out.quoted($0) }) else { throw out.overBudget }
            try out.check()
        } else {
            try out.string(document.text(of: key)!)
        }
    }

    /// Whether every key in dict slots `start ..< end` is a str or Python 2 str (``PickleDocument/text(of:)`` not nil).
    private static func allTextKeys(_ storage: PickleStorage, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let tag = storage.raw[storage.items[i]].tag
            if tag != .string && tag != .py2String { return false }
            i += 2
        }
        return true
    }

    private func allStringKeys(_ items: [PickleRef]) -> Bool {
        var i = 0
        while i < items.count {
            if document.text(of: items[i]) == nil { return false }
            i += 2
        }
        return true
    }

    /// Dict items (key, value alternating): an object when every key is a str, else `[[k, v], ...]`.
    private mutating func writeEntries(_ items: [PickleRef]) {
        let asObject = allStringKeys(items)
        out.raw(asObject ? "{" : "[")
        tasks.append(.literal(asObject ? "}" : "]"))
        tasks.append(.entries(items, 0, asObject))
    }

    /// Like ``writeEntries(_:)`` but entirely deferred (after labels pushed later run first).
    private mutating func writeEntriesLater(_ items: [PickleRef]) {
        let asObject = allStringKeys(items)
        tasks.append(.literal(asObject ? "}" : "]"))
        tasks.append(.entries(items, 0, asObject))
        tasks.append(.literal(asObject ? "{" : "["))
    }

    private mutating func writeTimedelta(_ td: PickleTimedelta) {
        out.raw("{\"$timedelta\":[")
        out.raw(String(td.days) + "," + String(td.seconds) + "," + String(td.microseconds))
        out.raw("]}")
    }
}
