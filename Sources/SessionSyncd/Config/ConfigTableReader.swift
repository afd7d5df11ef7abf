/// Reads typed keys out of one TOML table, remembering which keys were read so that every key the
/// configuration does not know is reported (typos must not pass silently). Errors name the key and its
/// position (found by ``TOMLKeyLocator`` when the error is raised), never its value.
struct ConfigTableReader {
    let table: TOMLTable
    /// Where this table is (`sync`, `column[2]`); empty for the root.
    let path: TOMLKeyPath
    /// The document, to find where a key was written.
    let locator: TOMLKeyLocator
    private var used: Set<String> = []

    /// Creates a reader for `table` found at `path` in the document `locator` reads.
    init(_ table: TOMLTable, path: TOMLKeyPath, locator: TOMLKeyLocator) {
        self.table = table
        self.path = path
        self.locator = locator
    }

    /// Full dotted name of `key` in this table.
    func keyPath(_ key: String) -> String {
        path.appending(key).description
    }

    /// An error pointing at `key` (or at the table when the key is absent or not found).
    func error(_ code: ConfigError.Code, _ key: String?, _ detail: String) -> ConfigError {
        let position = key.flatMap { locator.position(of: path.appending($0)) } ?? locator.position(of: path)
        return ConfigError(code, detail, key: key.map(keyPath) ?? (path.components.isEmpty ? nil : path.description),
                           line: position?.line, column: position?.column)
    }

    /// The raw value of `key`, marking it as known.
    mutating func value(_ key: String) -> TOMLValue? {
        used.insert(key)
        return table[key]
    }

    private func wrongType(_ key: String, expected: String, found: TOMLValue) -> ConfigError {
        error(.wrongType, key, "expected \(expected), found \(found.typeName)")
    }

    /// A string value, or nil when absent.
    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, expected: "a string", found: v) }
        return s
    }

    /// A boolean value, or nil when absent.
    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .boolean(let b) = v else { throw wrongType(key, expected: "a boolean (true or false)", found: v) }
        return b
    }

    /// An integer value in `range`, or nil when absent.
    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v else { throw wrongType(key, expected: "an integer", found: v) }
        guard let n = Int(exactly: i), range.contains(n) else {
            throw error(.invalidValue, key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return n
    }

    /// A duration given as an integer or float number of `unit`s (`_ms` or `_s` keys), or nil when absent.
    /// - Parameters:
    ///   - key: the TOML key.
    ///   - unitNanoseconds: nanoseconds per unit (1_000_000 for ms, 1_000_000_000 for s).
    ///   - allowZero: whether 0 is meaningful (a disabled timer, no batching delay).
    mutating func duration(_ key: String, unitNanoseconds: Double, allowZero: Bool) throws(ConfigError) -> Duration? {
        guard let v = value(key) else { return nil }
        let number: Double
        switch v {
        case .integer(let i): number = Double(i)
        case .float(let f): number = f
        default: throw wrongType(key, expected: "a number", found: v)
        }
        let nanoseconds = number * unitNanoseconds
        let maximum = 86_400.0 * 1e9
        guard number.isFinite, nanoseconds <= maximum, allowZero ? nanoseconds >= 0 : nanoseconds > 0 else {
            throw error(.invalidValue, key, allowZero ? "must be between 0 and one day" : "must be greater than 0 and at most one day")
        }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }

    /// A sub-table, or nil when absent.
    mutating func table(_ key: String) throws(ConfigError) -> ConfigTableReader? {
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v else { throw wrongType(key, expected: "a table ([\(keyPath(key))])", found: v) }
        return ConfigTableReader(t, path: path.appending(key), locator: locator)
    }

    /// A plain SQL identifier (`name`), or nil when absent.
    mutating func identifier(_ key: String) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        guard SQLIdentifier.isValid(s) else {
            throw error(.invalidIdentifier, key, "must be a plain identifier: an ASCII letter or underscore, then letters, digits or underscores, at most 63 bytes")
        }
        return s
    }

    /// A table name, optionally schema-qualified (`schema.table`), or nil when absent.
    mutating func tableName(_ key: String) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        guard SQLIdentifier.isValidQualified(s) else {
            throw error(.invalidIdentifier, key, "must be a table name or schema.table, each part a plain identifier (ASCII letter or underscore, then letters, digits or underscores, at most 63 bytes)")
        }
        return s
    }

    /// Throws for the first key (in document order) that was never read.
    func finish() throws(ConfigError) {
        let unknown = table.keys.filter { !used.contains($0) }
        guard !unknown.isEmpty else { return }
        // TOMLKit's keys are sorted; the locator gives document order (only for the unknown keys).
        let located = unknown.map { (key: $0, at: locator.position(of: path.appending($0))) }
        let first = located.min { a, b in
            let pa = a.at.map { ($0.line, $0.column) } ?? (Int.max, Int.max)
            let pb = b.at.map { ($0.line, $0.column) } ?? (Int.max, Int.max)
            return pa != pb ? pa < pb : a.key < b.key
        }!
        throw error(.unknownKey, first.key, "unknown key (allowed here: \(allowedHint))")
    }

    /// Every key this reader asked for, i.e. the keys this table may hold.
    private var allowedHint: String { used.sorted().joined(separator: ", ") }
}
