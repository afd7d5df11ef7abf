import PickleCodec

/// Turns one session value into the text of a PostgreSQL value of the column's type, or a problem.
///
/// Everything is validated here, in Swift, so the batch statement does not fail
/// on a bad value: integers are range-checked, text is length-checked and free of
/// NUL, dates are real dates, numbers are finite where the type needs it. The text
/// is cast in SQL (`$n::integer`, ...); timestamps always carry an explicit UTC
/// offset so the result never depends on the connection's TimeZone.
struct ColumnConverter: Sendable {
    /// Result of a conversion: the value's text, SQL NULL (`nil`), or a problem.
    enum Outcome: Sendable, Equatable {
        case value(String?)
        case problem(reason: String, excerpt: String?)
    }

    /// Limits for canonical JSON (jsonb columns).
    var limits: PickleLimits

    /// Creates a converter.
    /// - Parameter limits: bounds for canonical JSON export; default `PickleLimits.default`.
    init(limits: PickleLimits = .default) {
        self.limits = limits
    }

    /// Where a column's path leads in a session.
    enum PathLookup: Sendable, Equatable {
        /// The value at the end of the path.
        case found(PickleRef)
        /// A key of the path is absent, or a step on the way holds None (`session.user = None`).
        case missing
        /// The first `depth` keys lead to `ref`, which holds something without keys (a str, a list ...).
        case notADict(depth: Int, PickleRef)
    }

    /// Follows `path` from the document's root.
    /// - Parameters:
    ///   - path: keys, outermost first.
    ///   - document: the decoded session.
    static func resolve(_ path: [String], in document: PickleDocument) -> PathLookup {
        var current = document.root
        for (depth, key) in path.enumerated() {
            if let next = document.value(forKey: key, in: current) {
                current = next
                continue
            }
            // Only on a miss: is `current` something with keys (the key is absent) or not?
            switch document[current] {
            case .dict, .object, .none: return .missing
            default: return .notADict(depth: depth, current)
            }
        }
        return .found(current)
    }

    /// Converts the value at the end of `mapping.path`.
    ///
    /// A missing key (or a missing or None step of a nested path) is NULL; it is a "missing key"
    /// problem only when the column is `required`. A step that holds a value without keys (a str where
    /// a dict was expected) is a wrong-type problem either way: that is a malformed session, not a sparse one.
    /// - Parameters:
    ///   - document: the decoded session (its root is a dict).
    ///   - mapping: the column.
    func convert(in document: PickleDocument, for mapping: ColumnMapping) -> Outcome {
        switch Self.resolve(mapping.path, in: document) {
        case .found(let ref):
            return convert(ref, in: document, for: mapping)
        case .missing:
            return convert(nil, in: document, for: mapping)
        case .notADict(let depth, let ref):
            let node = document[ref]
            let step = mapping.path.prefix(depth).joined(separator: ".")
            return .problem(reason: "wrong type: expected a dict at '\(step)', got \(Self.pythonTypeName(node))", excerpt: Self.excerpt(node))
        }
    }

    /// Converts the value at `ref` for `mapping`.
    /// - Parameters:
    ///   - ref: the value, nil when the key (path) is missing: NULL, and a "missing key" problem if `mapping.required`.
    ///   - document: the decoded session.
    ///   - mapping: the column.
    func convert(_ ref: PickleRef?, in document: PickleDocument, for mapping: ColumnMapping) -> Outcome {
        guard let ref else { return mapping.required ? .problem(reason: "missing key", excerpt: nil) : .value(nil) }
        let node = document[ref]
        if case .none = node { return .value(nil) }
        if Self.isNullValue(node, mapping.nullValues) { return .value(nil) }
        switch mapping.type {
        case .integer: return integer(node, min: Int64(Int32.min), max: Int64(Int32.max), type: mapping.type)
        case .bigint: return integer(node, min: Int64.min, max: Int64.max, type: mapping.type)
        case .smallint: return integer(node, min: Int64(Int16.min), max: Int64(Int16.max), type: mapping.type)
        case .boolean: return boolean(node)
        case .text: return text(node, maxLength: mapping.maxLength)
        case .numeric: return numeric(node)
        case .doublePrecision: return double(node)
        case .timestamp, .timestamptz: return timestamp(node, in: document, type: mapping.type)
        case .date: return date(node)
        case .uuid: return uuid(node)
        case .jsonb: return json(ref, in: document)
        }
    }

    /// The whole session (or a subtree) as canonical JSON for a jsonb column.
    /// - Parameters:
    ///   - ref: the value.
    ///   - document: the decoded session.
    func json(_ ref: PickleRef, in document: PickleDocument) -> Outcome {
        let text: String
        do throws(PickleError) {
            text = try document.canonicalJSON(ref, limits: limits)
        } catch {
            return .problem(reason: "not representable as JSON: \(error.code)", excerpt: nil)
        }
        // jsonb cannot store U+0000 (SQLSTATE 22P05).
        if text.contains("\\u0000") { return .problem(reason: "contains NUL character (jsonb cannot store it)", excerpt: nil) }
        return .value(text)
    }

    static func isNullValue(_ node: PickleNode, _ values: [NullValue]) -> Bool {
        for v in values {
            switch (v, node) {
            case (.int(let a), .int(let b)) where a == b: return true
            case (.bool(let a), .bool(let b)) where a == b: return true
            case (.string(let a), .string(let b)) where a == b: return true
            case (.string(let a), .py2String(let b)) where a == b.text: return true
            case (.none, .none): return true
            default: continue
            }
        }
        return false
    }

    // MARK: numbers

    private func integer(_ node: PickleNode, min: Int64, max: Int64, type: ColumnType) -> Outcome {
        let value: Int64
        switch node {
        case .int(let v): value = v
        case .bigInt(let b): return .problem(reason: "out of range for \(type.rawValue)", excerpt: ColumnProblem.abbreviate(b.decimalString))
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard Self.isIntegerLiteral(s) else { return wrongType(node, expected: type) }
            guard let v = Int64(s) else { return .problem(reason: "out of range for \(type.rawValue)", excerpt: ColumnProblem.abbreviate(s)) }
            value = v
        default: return wrongType(node, expected: type)
        }
        guard value >= min, value <= max else {
            return .problem(reason: "out of range for \(type.rawValue)", excerpt: String(value))
        }
        return .value(String(value))
    }

    private func boolean(_ node: PickleNode) -> Outcome {
        switch node {
        case .bool(let b): return .value(b ? "true" : "false")
        case .int(0): return .value("false")
        case .int(1): return .value("true")
        default: return wrongType(node, expected: .boolean)
        }
    }

    private func numeric(_ node: PickleNode) -> Outcome {
        switch node {
        case .int(let v): return .value(String(v))
        case .bigInt(let b): return .value(b.decimalString)
        case .float(let d):
            if d.isNaN { return .value("NaN") }
            if d.isInfinite { return .value(d < 0 ? "-Infinity" : "Infinity") }
            return .value(PickleFloatFormat.repr(d))
        case .decimal(let dec): return numericText(dec.string, node: node)
        case .string, .py2String: return numericText(Self.string(node) ?? "", node: node)
        default: return wrongType(node, expected: .numeric)
        }
    }

    private func numericText(_ s: String, node: PickleNode) -> Outcome {
        switch s {
        case "NaN", "-NaN", "nan": return .value("NaN")
        case "Infinity", "inf", "+Infinity": return .value("Infinity")
        case "-Infinity", "-inf": return .value("-Infinity")
        case "sNaN", "-sNaN": return .problem(reason: "signaling NaN is not a number", excerpt: s)
        default: break
        }
        guard let parsed = NumberLiteral(s) else {
            if case .decimal = node { return .problem(reason: "not a number", excerpt: ColumnProblem.abbreviate(s)) }
            return wrongType(node, expected: .numeric)
        }
        // PostgreSQL: up to 131072 digits before the point, 16383 after.
        if parsed.integerDigits > 131_072 || parsed.fractionDigits > 16_383 {
            return .problem(reason: "out of range for numeric", excerpt: ColumnProblem.abbreviate(s))
        }
        return .value(s)
    }

    private func double(_ node: PickleNode) -> Outcome {
        switch node {
        case .int(let v): return .value(String(v))
        case .float(let d):
            if d.isNaN { return .value("NaN") }
            if d.isInfinite { return .value(d < 0 ? "-Infinity" : "Infinity") }
            return .value(PickleFloatFormat.repr(d))
        case .bigInt(let b): return doubleText(b.decimalString, node: node)
        case .decimal(let dec): return doubleText(dec.string, node: node)
        case .string, .py2String: return doubleText(Self.string(node) ?? "", node: node)
        default: return wrongType(node, expected: .doublePrecision)
        }
    }

    private func doubleText(_ s: String, node: PickleNode) -> Outcome {
        switch s {
        case "NaN", "-NaN", "nan": return .value("NaN")
        case "Infinity", "inf", "+Infinity": return .value("Infinity")
        case "-Infinity", "-inf": return .value("-Infinity")
        default: break
        }
        guard let parsed = NumberLiteral(s), let d = Double(s) else {
            if case .string = node { return wrongType(node, expected: .doublePrecision) }
            if case .py2String = node { return wrongType(node, expected: .doublePrecision) }
            return .problem(reason: "not a number", excerpt: ColumnProblem.abbreviate(s))
        }
        // PostgreSQL rejects overflow and underflow to zero alike.
        if d.isInfinite || (d == 0 && parsed.hasNonZeroDigit) {
            return .problem(reason: "out of range for double precision", excerpt: ColumnProblem.abbreviate(s))
        }
        return .value(PickleFloatFormat.repr(d))
    }

    // MARK: text and uuid

    private func text(_ node: PickleNode, maxLength: Int?) -> Outcome {
        guard let s = Self.string(node) else { return wrongType(node, expected: .text) }
        if s.unicodeScalars.contains("\u{0}") {
            return .problem(reason: "contains NUL character (text cannot store it)", excerpt: ColumnProblem.abbreviate(s))
        }
        if let maxLength {
            let n = s.unicodeScalars.count
            if n > maxLength {
                return .problem(reason: "over-long: \(n) characters, at most \(maxLength)", excerpt: ColumnProblem.abbreviate(s))
            }
        }
        return .value(s)
    }

    private func uuid(_ node: PickleNode) -> Outcome {
        switch node {
        case .uuid(let u): return .value(u.hyphenated)
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard let normalized = Self.normalizedUUID(s) else {
                return .problem(reason: "not a UUID", excerpt: ColumnProblem.abbreviate(s))
            }
            return .value(normalized)
        default: return wrongType(node, expected: .uuid)
        }
    }

    static func normalizedUUID(_ s: String) -> String? {
        var hex: [Character] = []
        let chars = Array(s.lowercased())
        let dashed = chars.count == 36
        guard dashed || chars.count == 32 else { return nil }
        for (i, c) in chars.enumerated() {
            if dashed && [8, 13, 18, 23].contains(i) {
                guard c == "-" else { return nil }
                continue
            }
            guard c.isHexDigit, c.isASCII else { return nil }
            hex.append(c)
        }
        let h = String(hex)
        func part(_ a: Int, _ b: Int) -> Substring {
            h[h.index(h.startIndex, offsetBy: a)..<h.index(h.startIndex, offsetBy: b)]
        }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    // MARK: helpers

    static func string(_ node: PickleNode) -> String? {
        switch node {
        case .string(let s): return s
        case .py2String(let b): return b.text
        default: return nil
        }
    }

    /// An optional sign and ASCII digits only (what `int(s)` round-trips).
    static func isIntegerLiteral(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
        return !u.isEmpty && u.count <= 40 && u.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    func wrongType(_ node: PickleNode, expected: ColumnType) -> Outcome {
        .problem(reason: "wrong type: expected \(expected.rawValue), got \(Self.pythonTypeName(node))", excerpt: Self.excerpt(node))
    }

    /// The Python type name, for messages (never the value).
    static func pythonTypeName(_ node: PickleNode) -> String {
        switch node {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .py2String: return "str (Python 2)"
        case .bytes: return "bytes"
        case .bytearray: return "bytearray"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict(let d): return d.subclass.map { $0.description } ?? "dict"
        case .set: return "set"
        case .frozenset: return "frozenset"
        case .datetime: return "datetime.datetime"
        case .date: return "datetime.date"
        case .time: return "datetime.time"
        case .timedelta: return "datetime.timedelta"
        case .timezone: return "datetime.timezone"
        case .decimal: return "decimal.Decimal"
        case .uuid: return "uuid.UUID"
        case .global(let g): return "global \(g)"
        case .object(let o): return o.type.description
        }
    }

    /// A short text of a scalar value for the errors table; containers give their type only.
    static func excerpt(_ node: PickleNode) -> String? {
        switch node {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let b): return ColumnProblem.abbreviate(b.decimalString)
        case .float(let d): return PickleFloatFormat.repr(d)
        case .string, .py2String: return ColumnProblem.abbreviate(string(node) ?? "")
        case .decimal(let d): return ColumnProblem.abbreviate(d.string)
        case .uuid(let u): return u.hyphenated
        case .date(let d): return d.isoformat
        default: return nil
        }
    }
}
