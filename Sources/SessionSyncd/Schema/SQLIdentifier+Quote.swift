import Foundation

extension SQLIdentifier {
    /// Quotes a name for SQL text: `"name"`, with embedded double quotes doubled.
    ///
    /// Configuration names are validated plain identifiers already; quoting
    /// them anyway keeps case and keywords (`"user"`) exact.
    /// - Parameter name: one identifier.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes `schema.table` as `"schema"."table"`, a plain `table` as `"table"`.
    /// - Parameter name: one identifier or two joined by a dot.
    static func quoteQualified(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { quote(String($0)) }.joined(separator: ".")
    }
}
