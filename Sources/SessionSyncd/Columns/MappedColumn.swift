/// A column of the target table that the daemon fills: a configured mapping or the whole-session json column.
struct MappedColumn: Sendable, Equatable {
    /// The mapping; for the json column a jsonb mapping with an empty path (the root).
    var mapping: ColumnMapping
    /// True for `[target] json_column`.
    var isWholeSession: Bool

    /// The mapped columns of a configuration, json column last.
    /// - Parameter configuration: the configuration.
    static func all(_ configuration: SyncConfiguration) -> [MappedColumn] {
        var result = configuration.columns.map { MappedColumn(mapping: $0, isWholeSession: false) }
        if let json = configuration.jsonColumn {
            result.append(MappedColumn(mapping: ColumnMapping(name: json, path: [], type: .jsonb), isWholeSession: true))
        }
        return result
    }

    /// SQL turning the text parameter `expr` into the column's type (validated in Swift already).
    /// - Parameter expr: SQL expression of type text.
    func cast(_ expr: String) -> String {
        switch mapping.type {
        case .timestamp: return "((\(expr))::timestamptz AT TIME ZONE 'UTC')"
        case .timestamptz: return "(\(expr))::timestamptz"
        case .doublePrecision: return "(\(expr))::double precision"
        default: return "(\(expr))::\(mapping.type.rawValue)"
        }
    }
}
