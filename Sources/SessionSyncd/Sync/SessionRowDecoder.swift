import PickleCodec

/// Decodes a session row and converts every mapped value (pure: no I/O).
struct SessionRowDecoder: Sendable {
    /// The columns to fill, in order.
    var columns: [MappedColumn]
    /// Resource bounds for decoding and JSON.
    var limits: PickleLimits
    /// Cap on the canonical JSON of a jsonb column (`[target] json_max_bytes`).
    var jsonMaxBytes: Int

    /// Creates a decoder.
    /// - Parameters:
    ///   - columns: the columns to fill.
    ///   - limits: pickle limits from the configuration.
    ///   - jsonMaxBytes: cap on a jsonb column's JSON; default that of ``SyncConfiguration/defaults``.
    init(columns: [MappedColumn], limits: PickleLimits, jsonMaxBytes: Int = SyncConfiguration.defaults.jsonMaxBytes) {
        self.columns = columns
        self.limits = limits
        self.jsonMaxBytes = jsonMaxBytes
    }

    /// Decodes one row. Never throws: an undecodable session gives all-NULL values and a `$data` problem.
    /// - Parameter row: the source row.
    func decode(_ row: SessionRow) -> DecodedSession {
        let nulls = [String?](repeating: nil, count: columns.count)
        guard let data = row.data else {
            return DecodedSession(key: row.key, hash: row.hash, values: nulls,
                                  problems: [ColumnProblem(column: "$data", reason: "data is NULL", excerpt: nil)])
        }
        let document: PickleDocument
        do {
            document = try PickleDecoder(limits: limits).decode(data: data)
        } catch {
            return DecodedSession(key: row.key, hash: row.hash, values: nulls,
                                  problems: [ColumnProblem(column: "$data", reason: "undecodable: \(error.description)",
                                                           excerpt: "<\(data.count) bytes>")])
        }
        let converter = ColumnConverter(limits: limits, jsonMaxBytes: jsonMaxBytes)
        var values = nulls
        var problems: [ColumnProblem] = []
        // web.py stores a dict; anything else (a hostile REDUCE decodes to an inert call) has no keys
        // to map: one `$data` problem says so, rather than a "missing key" per column.
        let rootIsDict: Bool
        if case .dict = document[document.root] { rootIsDict = true } else { rootIsDict = false }
        if !rootIsDict {
            problems.append(ColumnProblem(column: "$data", reason: "not a session: the pickle holds \(Self.kind(of: document[document.root])), not a dict",
                                          excerpt: nil))
        }
        for (i, column) in columns.enumerated() {
            let outcome: ColumnConverter.Outcome
            if column.isWholeSession {
                outcome = converter.json(document.root, in: document)
            } else if !rootIsDict {
                continue
            } else {
                outcome = converter.convert(in: document, for: column.mapping)
            }
            switch outcome {
            case .value(let v): values[i] = v
            case .problem(let reason, let excerpt):
                problems.append(ColumnProblem(column: column.mapping.name, reason: reason, excerpt: excerpt))
            }
        }
        return DecodedSession(key: row.key, hash: row.hash, values: values, problems: problems)
    }

    /// What a decoded root is, in words that carry no session data (never a value or a class name).
    static func kind(of node: PickleNode) -> String {
        switch node {
        case .none: return "None"
        case .bool, .int, .bigInt, .float, .decimal: return "a number"
        case .string, .py2String: return "a string"
        case .bytes, .bytearray: return "bytes"
        case .list, .tuple, .set, .frozenset: return "a sequence"
        case .dict: return "a dict"
        case .datetime, .date, .time, .timedelta, .timezone: return "a date or time"
        case .uuid: return "a UUID"
        case .global: return "a bare class reference"
        case .object: return "an object of a class outside the allowlist (inert: nothing was called)"
        }
    }
}
