import PickleCodec

extension ColumnConverter {
    /// datetime (naive = UTC, aware with a fixed offset), date (midnight UTC) or an ISO 8601 string.
    ///
    /// The text always ends in an explicit offset; SQL casts it with `::timestamptz`
    /// (and `AT TIME ZONE 'UTC'` for timestamp), so the connection's TimeZone never matters.
    func timestamp(_ node: PickleNode, in document: PickleDocument, type: ColumnType) -> Outcome {
        switch node {
        case .datetime(let dt):
            var offset: PickleTimedelta? = nil
            if let tz = dt.time.tzinfo {
                guard let o = document.utcOffset(of: tz) else {
                    return .problem(reason: "unsupported tzinfo (not a fixed offset)", excerpt: nil)
                }
                offset = o
            }
            if offset == nil {
                return .value(dt.isoformat(utcOffset: nil) + "+00:00")
            }
            return .value(dt.isoformat(utcOffset: offset))
        case .date(let d):
            return .value(d.isoformat + "T00:00:00+00:00")
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard let iso = ISOTimestamp(s) else {
                return .problem(reason: "not an ISO 8601 date-time", excerpt: ColumnProblem.abbreviate(s))
            }
            return .value(iso.hasOffset ? s : s + (iso.hasTime ? "+00:00" : "T00:00:00+00:00"))
        default:
            return wrongType(node, expected: type)
        }
    }

    /// date or an ISO 8601 date string (`YYYY-MM-DD`).
    func date(_ node: PickleNode) -> Outcome {
        switch node {
        case .date(let d): return .value(d.isoformat)
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard let iso = ISOTimestamp(s), !iso.hasTime else {
                return .problem(reason: "not an ISO 8601 date", excerpt: ColumnProblem.abbreviate(s))
            }
            return .value(s)
        default:
            return wrongType(node, expected: .date)
        }
    }
}
