/// A parsed TOML value.
///
/// Date-time values are not represented: ``TOMLReader`` rejects them (the configuration never needs them).
enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// Word for the TOML type, used in error messages ("expected an integer, found a string").
    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}
