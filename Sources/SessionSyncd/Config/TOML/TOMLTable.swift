/// A TOML table: keys in document order, their values, and where each key was written.
struct TOMLTable: Sendable, Equatable {
    /// Keys in the order they were first defined.
    private(set) var keys: [String] = []
    private(set) var values: [String: TOMLValue] = [:]
    /// Where each key was defined (its first occurrence); used for error messages only.
    private(set) var positions: [String: TOMLPosition] = [:]
    /// Where the table itself was opened (header, inline brace or first dotted key); nil for the root.
    var position: TOMLPosition?

    /// Creates an empty table.
    init(position: TOMLPosition? = nil) {
        self.position = position
    }

    /// Value for `key`, if defined.
    subscript(key: String) -> TOMLValue? { values[key] }

    /// Defines or replaces `key`; a new key is appended to `keys`.
    mutating func set(_ key: String, _ value: TOMLValue, at position: TOMLPosition?) {
        if values.updateValue(value, forKey: key) == nil {
            keys.append(key)
            if let position { positions[key] = position }
        }
    }

    /// Equality ignores positions: two tables are equal when they hold the same keys and values.
    static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.values == b.values
    }
}
