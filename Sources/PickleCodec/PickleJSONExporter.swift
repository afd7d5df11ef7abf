/// The explicit-stack walk behind ``PickleDocument/canonicalJSON(_:limits:)``.
///
/// Scalars are written as they are reached; a container pushes a continuation
/// (`seq`/`entries`) that yields one element per step, so the task stack holds
/// one entry per open container rather than one per element.
struct PickleJSONExporter {
    enum Task {
        case value(PickleRef)
        case literal(StaticString)
        case leave(Int)
        /// Elements of an array from the index on, comma-separated.
        case seq([PickleRef], Int)
        /// Key/value items (alternating) from the pair index on; as an object when `Bool`.
        case entries([PickleRef], Int, Bool)
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

    init(document: PickleDocument, limits: PickleLimits) {
        self.document = document
        self.limits = limits
        self.out = PickleJSONWriter(budget: limits.maxDecodedBytes)
        self.onPath = [UInt8](repeating: 0, count: document.nodes.count)
    }

    mutating func export(_ ref: PickleRef) throws(PickleError) -> String {
        if expansionLowerBound(ref) > limits.maxDecodedBytes {
            throw PickleError(.jsonLimitExceeded, detail: "JSON output larger than maxDecodedBytes")
        }
        try write(ref)
        while let task = tasks.popLast() {
            switch task {
            case .literal(let s): out.raw(s)
            case .leave(let i): onPath[i] = 0; depth -= 1
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
            }
            try out.check()
        }
        try out.check()
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Marks a container as entered; its `leave` task is pushed first so it runs last.
    private mutating func enter(_ r: PickleRef) throws(PickleError) {
        guard depth < limits.maxNestingDepth else {
            throw PickleError(.jsonLimitExceeded, detail: "nesting deeper than maxNestingDepth")
        }
        depth += 1
        onPath[r.index] = 1
        tasks.append(.leave(r.index))
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
        switch document.nodes[r.index] {
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
