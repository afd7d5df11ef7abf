import PickleCodec

/// Decodes a session row and converts every mapped value (pure: no I/O).
struct SessionRowDecoder: Sendable {
    /// The columns to fill, in order.
    var columns: [MappedColumn]
    /// Resource bounds for decoding and JSON.
    var limits: PickleLimits

    /// Creates a decoder.
    /// - Parameters:
    ///   - columns: the columns to fill.
    ///   - limits: pickle limits from the configuration.
    init(columns: [MappedColumn], limits: PickleLimits) {
        self.columns = columns
        self.limits = limits
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
        let converter = ColumnConverter(limits: limits)
        var values = nulls
        var problems: [ColumnProblem] = []
        for (i, column) in columns.enumerated() {
            let outcome: ColumnConverter.Outcome
            if column.isWholeSession {
                outcome = converter.json(document.root, in: document)
            } else {
                outcome = converter.convert(document.lookup(path: column.mapping.path), in: document, for: column.mapping)
            }
            switch outcome {
            case .value(let v): values[i] = v
            case .problem(let reason, let excerpt):
                problems.append(ColumnProblem(column: column.mapping.name, reason: reason, excerpt: excerpt))
            }
        }
        return DecodedSession(key: row.key, hash: row.hash, values: values, problems: problems)
    }
}
