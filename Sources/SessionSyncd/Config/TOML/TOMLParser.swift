/// A TOML 1.0 parser for the configuration file (no dependency; TOMLKit is not available offline).
///
/// Supports tables, dotted keys, `[table]` and `[[array of tables]]`, basic and literal strings (single
/// and multi-line, all escapes), integers (decimal, hex, octal, binary, underscores), floats (incl.
/// inf/nan), booleans, arrays and inline tables (also TOML 1.1's multi-line form with a trailing comma).
/// Date-time values are rejected with an `unsupported` error. Errors carry line:column and never echo
/// text from the document: a `dsn` value may hold a password.
struct TOMLParser {
    /// Nesting bound for arrays and inline tables, so a hostile file cannot overflow the stack.
    static let maxNesting = 128

    private var scanner: TOMLScanner
    private let root = TOMLTableNode(origin: .header, position: nil)
    private var current: TOMLTableNode

    private init(bytes: [UInt8]) {
        scanner = TOMLScanner(bytes: bytes)
        current = root
    }

    /// Parses a TOML document.
    /// - Parameter text: the document.
    /// - Returns: the root table.
    /// - Throws: `ConfigError` (`.syntax`, `.duplicateKey`, `.unsupported`) with line and column.
    static func parse(_ text: String) throws(ConfigError) -> TOMLTable {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a TOML document given as UTF-8 bytes.
    /// - Parameter bytes: the document; must be valid UTF-8.
    /// - Returns: the root table.
    /// - Throws: `ConfigError` (`.unreadable` for invalid UTF-8, `.syntax`, `.duplicateKey`, `.unsupported`).
    static func parse(bytes: [UInt8]) throws(ConfigError) -> TOMLTable {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ConfigError(.unreadable, "the file is not valid UTF-8")
        }
        var parser = TOMLParser(bytes: bytes)
        try parser.parseDocument()
        return parser.root.build()
    }

    private mutating func parseDocument() throws(ConfigError) {
        // A UTF-8 byte order mark is allowed at the start.
        if scanner.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.index = 3 }
        while !scanner.atEnd {
            scanner.skipSpaces()
            guard let b = scanner.peek() else { break }
            switch b {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try scanner.expectLineEnd()
                continue
            case UInt8(ascii: "#"):
                try scanner.skipComment()
                continue
            case UInt8(ascii: "["):
                try parseHeader()
            default:
                let keys = try scanner.parseKey()
                try scanner.expect(UInt8(ascii: "="), "expected '=' after a key")
                let value = try scanner.parseValue(depth: 0)
                try Self.assign(keys, value, in: current)
            }
            scanner.skipSpaces()
            if scanner.peek() == UInt8(ascii: "#") { try scanner.skipComment() }
            try scanner.expectLineEnd()
        }
    }

    private mutating func parseHeader() throws(ConfigError) {
        let start = scanner.position
        scanner.advance()
        let isArray = scanner.peek() == UInt8(ascii: "[")
        if isArray { scanner.advance() }
        let keys = try scanner.parseKey()
        try scanner.expect(UInt8(ascii: "]"), isArray ? "expected ']]' to close the array-of-tables header" : "expected ']' to close the table header")
        if isArray {
            // No space is allowed between the two closing brackets.
            guard scanner.peek() == UInt8(ascii: "]") else {
                throw scanner.error(.syntax, "expected ']]' to close the array-of-tables header")
            }
            scanner.advance()
        }
        var table = root
        for key in keys.dropLast() {
            table = try Self.descendForHeader(table, key)
        }
        let last = keys[keys.count - 1]
        let keyPath = keys.map(\.name).joined(separator: ".")
        if isArray {
            switch table.entries[last.name] {
            case nil:
                let array = TOMLArrayNode()
                let element = TOMLTableNode(origin: .header, position: start)
                array.tables.append(element)
                table.insert(last.name, .tableArray(array), at: last.position)
                current = element
            case .tableArray(let array)?:
                let element = TOMLTableNode(origin: .header, position: start)
                array.tables.append(element)
                current = element
            default:
                throw ConfigError(.duplicateKey, "'\(keyPath)' is already defined and is not an array of tables",
                                  key: keyPath, line: start.line, column: start.column)
            }
        } else {
            switch table.entries[last.name] {
            case nil:
                let node = TOMLTableNode(origin: .header, position: start)
                table.insert(last.name, .table(node), at: last.position)
                current = node
            case .table(let node)? where node.origin == .implicit:
                node.origin = .header
                node.position = start
                current = node
            default:
                throw ConfigError(.duplicateKey, "table '\(keyPath)' is defined more than once",
                                  key: keyPath, line: start.line, column: start.column)
            }
        }
    }

    /// Follows one key of a `[a.b.c]` header, creating implicit tables on the way.
    private static func descendForHeader(_ table: TOMLTableNode, _ key: TOMLKeyComponent) throws(ConfigError) -> TOMLTableNode {
        switch table.entries[key.name] {
        case nil:
            let node = TOMLTableNode(origin: .implicit, position: key.position)
            table.insert(key.name, .table(node), at: key.position)
            return node
        case .table(let node)?:
            return node
        case .tableArray(let array)?:
            return array.tables[array.tables.count - 1]
        case .value?:
            throw ConfigError(.duplicateKey, "'\(key.name)' is already defined as a value, not a table",
                              key: key.name, line: key.position.line, column: key.position.column)
        }
    }

    /// Stores `value` under the dotted key `keys` in `table`, creating the dotted intermediate tables.
    static func assign(_ keys: [TOMLKeyComponent], _ value: TOMLValue, in table: TOMLTableNode) throws(ConfigError) {
        var table = table
        for key in keys.dropLast() {
            switch table.entries[key.name] {
            case nil:
                let node = TOMLTableNode(origin: .dotted, position: key.position)
                table.insert(key.name, .table(node), at: key.position)
                table = node
            case .table(let node)? where node.origin == .dotted || node.origin == .implicit:
                table = node
            default:
                throw ConfigError(.duplicateKey, "'\(key.name)' is already defined and cannot be extended with a dotted key",
                                  key: key.name, line: key.position.line, column: key.position.column)
            }
        }
        let last = keys[keys.count - 1]
        guard table.entries[last.name] == nil else {
            throw ConfigError(.duplicateKey, "key '\(last.name)' is defined more than once",
                              key: last.name, line: last.position.line, column: last.position.column)
        }
        table.insert(last.name, .value(value), at: last.position)
    }
}
