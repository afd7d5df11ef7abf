/// PostgreSQL type of a mapped column in session_fields; the raw value is the SQL spelling.
enum ColumnType: String, Sendable, CaseIterable {
    case integer
    case bigint
    case smallint
    case boolean
    case text
    case numeric
    case doublePrecision = "double precision"
    case timestamp
    case timestamptz
    case date
    case uuid
    case jsonb

    /// Kind of TOML value that `null_values` entries must have for this column type.
    enum NullValueKind: Sendable { case integer, boolean, string }

    /// Integers for numeric types, booleans for boolean, strings for the rest.
    var nullValueKind: NullValueKind {
        switch self {
        case .integer, .bigint, .smallint, .numeric, .doublePrecision: return .integer
        case .boolean: return .boolean
        case .text, .timestamp, .timestamptz, .date, .uuid, .jsonb: return .string
        }
    }
}
