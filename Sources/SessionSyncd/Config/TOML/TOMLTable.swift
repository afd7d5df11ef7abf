/// A TOML table as the configuration reads it: keys and their values, nothing else.
///
/// Keys come in TOMLKit's order (sorted: toml++ keeps tables in a sorted map), not document order;
/// where order matters to a user (which unknown key is reported first) ``TOMLKeyLocator`` gives it.
struct TOMLTable: Sendable, Equatable {
    /// Every key of the table.
    private(set) var keys: [String] = []
    private(set) var values: [String: TOMLValue] = [:]

    /// Creates an empty table.
    init() {}

    /// Value for `key`, if defined.
    subscript(key: String) -> TOMLValue? { values[key] }

    /// Defines or replaces `key`; a new key is appended to `keys`.
    mutating func set(_ key: String, _ value: TOMLValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Two tables are equal when they hold the same keys and values, in whatever order.
    static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.values == b.values
    }
}
