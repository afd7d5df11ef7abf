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
    /// Cap on the canonical JSON of a jsonb column (`[target] json_max_bytes`).
    var jsonMaxBytes: Int

    /// Creates a converter.
    /// - Parameters:
    ///   - limits: bounds for canonical JSON export; default `PickleLimits.default`.
    ///   - jsonMaxBytes: cap on a jsonb value's JSON; default that of ``SyncConfiguration/defaults`` (1 MiB).
    init(limits: PickleLimits = .default, jsonMaxBytes: Int = SyncConfiguration.defaults.jsonMaxBytes) {
        self.limits = limits
        self.jsonMaxBytes = jsonMaxBytes
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
    ///
    /// Held to `jsonMaxBytes` and to the pickle's proportional budget
    /// (``PickleLimits/jsonBudget(inputBytes:)``): the export stops at the bound, so an
    /// amplifying session costs microseconds and an error row, not megabytes for the database.
    /// - Parameters:
    ///   - ref: the value.
    ///   - document: the decoded session.
    func json(_ ref: PickleRef, in document: PickleDocument) -> Outcome {
        let text: String
        do throws(PickleError) {
            text = try document.canonicalJSON(ref, limits: limits, maxBytes: jsonMaxBytes)
        } catch {
            return .problem(reason: Self.jsonProblem(error, jsonMaxBytes: jsonMaxBytes), excerpt: nil)
        }
        // jsonb cannot store U+0000 (SQLSTATE 22P05).
        if text.contains("\\u0000") { return .problem(reason: "contains NUL character (jsonb cannot store it)", excerpt: nil) }
        return .value(text)
    }

    /// The errors-table reason for a failed export: which budget was exceeded, in the configuration's terms.
    static func jsonProblem(_ error: PickleError, jsonMaxBytes: Int) -> String {
        guard error.code == .jsonLimitExceeded else { return "not representable as JSON: \(error.code)" }
        switch error {
        case PickleJSONOverflow.caller: return "canonical JSON longer than [target] json_max_bytes (\(jsonMaxBytes))"
        case PickleJSONOverflow.proportional:
            return "canonical JSON longer than [limits] json_bytes_per_input_byte times the pickle's size (at least min_json_bytes)"
        case PickleJSONOverflow.decoded: return "canonical JSON longer than [limits] max_decoded_bytes"
        default: return "not representable as JSON: \(error.code) (\(error.detail))"
        }
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
}
