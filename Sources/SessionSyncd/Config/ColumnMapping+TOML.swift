extension ColumnMapping {
    /// Reads one `[[column]]` entry: `name` (required), `path` (default: the name), `type` (default
    /// "text"), `references`, `null_values`, `max_length` (text only), `required` (default false).
    /// - Throws: `ConfigError` naming the offending key.
    init(reading t: inout ConfigTableReader) throws(ConfigError) {
        guard let name = try t.identifier("name") else {
            throw t.error(.missingKey, nil, "a [[column]] needs a name")
        }
        var type = ColumnType.text
        if let typeName = try t.string("type") {
            guard let parsed = ColumnType(rawValue: typeName) else {
                throw t.error(.invalidValue, "type", "must be one of \(ColumnType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            type = parsed
        }
        var path = [name]
        switch t.value("path") {
        case nil: break
        case .string(let dotted)?:
            path = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        case .array(let items)?:
            path = []
            for item in items {
                guard case .string(let s) = item else {
                    throw t.error(.wrongType, "path", "expected a dotted string or an array of strings")
                }
                path.append(s)
            }
        case let other?:
            throw t.error(.wrongType, "path", "expected a dotted string or an array of strings, found \(other.typeName)")
        }
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw t.error(.invalidValue, "path", "every part of the path must be a non-empty key")
        }
        var references: ForeignKeyReference?
        if let text = try t.string("references") {
            guard let parsed = ForeignKeyReference(parsing: text) else {
                throw t.error(.invalidValue, "references", "must be table(column) or schema.table(column) with plain identifiers")
            }
            references = parsed
        }
        var nullValues: [NullValue] = []
        if let v = t.value("null_values") {
            guard case .array(let items) = v else {
                throw t.error(.wrongType, "null_values", "expected an array, found \(v.typeName)")
            }
            for item in items {
                switch (type.nullValueKind, item) {
                case (.integer, .integer(let i)): nullValues.append(.int(i))
                case (.boolean, .boolean(let b)): nullValues.append(.bool(b))
                case (.string, .string(let s)): nullValues.append(.string(s))
                case (.integer, _): throw t.error(.wrongType, "null_values", "a \(type.rawValue) column takes integers, found \(item.typeName)")
                case (.boolean, _): throw t.error(.wrongType, "null_values", "a boolean column takes booleans, found \(item.typeName)")
                case (.string, _): throw t.error(.wrongType, "null_values", "a \(type.rawValue) column takes strings, found \(item.typeName)")
                }
            }
        }
        let maxLength = try t.integer("max_length", in: 1...1_000_000_000)
        if maxLength != nil && type != .text {
            throw t.error(.invalidValue, "max_length", "applies to text columns only")
        }
        let required = try t.bool("required") ?? false
        try t.finish()
        self.init(name: name, path: path, type: type, references: references, nullValues: nullValues, maxLength: maxLength,
                  required: required)
    }
}
