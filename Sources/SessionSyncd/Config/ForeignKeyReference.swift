/// A foreign key of a mapped column: `references = "users(id)"` or `"app.users(id)"`; ON DELETE SET NULL.
struct ForeignKeyReference: Sendable, Equatable, Hashable {
    /// Referenced table, possibly schema-qualified (`app.users`).
    var table: String
    /// Referenced column.
    var column: String

    /// Creates a reference to `table(column)`.
    /// - Parameters:
    ///   - table: validated table name, optionally `schema.table`.
    ///   - column: validated column name.
    init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    /// Parses `table(column)` or `schema.table(column)`; nil if malformed or not plain identifiers.
    init?(parsing text: String) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return nil }
        let table = String(text[..<open]).trimmingSpaces
        let column = String(text[text.index(after: open)..<text.index(before: text.endIndex)]).trimmingSpaces
        guard SQLIdentifier.isValidQualified(table), SQLIdentifier.isValid(column) else { return nil }
        self.init(table: table, column: column)
    }

    /// `table(column)`, the form used in the configuration file.
    var text: String { "\(table)(\(column))" }
}
