/// Byte-level reading of TOML tokens with line:column tracking. Error details are fixed wording:
/// never a character or value from the document.
struct TOMLScanner {
    let bytes: [UInt8]
    var index = 0
    private(set) var line = 1
    private(set) var column = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { index >= bytes.count }
    var position: TOMLPosition { TOMLPosition(line: line, column: column) }

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    mutating func advance() {
        let b = bytes[index]
        index += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    func error(_ code: ConfigError.Code, _ detail: String, at position: TOMLPosition? = nil) -> ConfigError {
        let p = position ?? self.position
        return ConfigError(code, detail, line: p.line, column: p.column)
    }

    mutating func expect(_ byte: UInt8, _ detail: String) throws(ConfigError) {
        skipSpaces()
        guard peek() == byte else { throw error(.syntax, detail) }
        advance()
    }

    mutating func skipSpaces() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { advance() }
    }

    /// Skips a `#` comment up to (not including) the line end.
    mutating func skipComment() throws(ConfigError) {
        while let b = peek(), b != UInt8(ascii: "\n") {
            if b == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { break }
            if Self.isForbiddenControl(b) { throw error(.syntax, "control character in a comment") }
            advance()
        }
    }

    /// Consumes `\n`, `\r\n`, or nothing at the end of the document.
    mutating func expectLineEnd() throws(ConfigError) {
        guard let b = peek() else { return }
        if b == UInt8(ascii: "\n") { advance(); return }
        if b == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { advance(); advance(); return }
        throw error(.syntax, "expected the end of the line")
    }

    /// Skips spaces, tabs, comments and line ends (inside arrays and inline tables).
    mutating func skipBlank() throws(ConfigError) {
        while let b = peek() {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"): advance()
            case UInt8(ascii: "\r"):
                guard peek(1) == UInt8(ascii: "\n") else { throw error(.syntax, "carriage return without line feed") }
                advance()
            case UInt8(ascii: "#"): try skipComment()
            default: return
            }
        }
    }

    /// Tab is allowed everywhere; other C0 controls and DEL are not (line ends are handled by callers).
    static func isForbiddenControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != UInt8(ascii: "\t")) || b == 0x7F
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: keys

    /// Parses `a`, `"quoted key"`, `'literal'` and dotted combinations like `a . "b.c" . d`.
    mutating func parseKey() throws(ConfigError) -> [TOMLKeyComponent] {
        var keys: [TOMLKeyComponent] = []
        while true {
            skipSpaces()
            let start = position
            guard let b = peek() else { throw error(.syntax, "expected a key") }
            let name: String
            if b == UInt8(ascii: "\"") {
                if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { throw error(.syntax, "a key cannot be a multi-line string") }
                name = try parseBasicString()
            } else if b == UInt8(ascii: "'") {
                if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { throw error(.syntax, "a key cannot be a multi-line string") }
                name = try parseLiteralString()
            } else {
                var raw: [UInt8] = []
                while let c = peek(), Self.isBareKeyByte(c) {
                    raw.append(c)
                    advance()
                }
                guard !raw.isEmpty else { throw error(.syntax, "expected a key", at: start) }
                name = String(decoding: raw, as: UTF8.self)
            }
            keys.append(TOMLKeyComponent(name: name, position: start))
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return keys }
            advance()
        }
    }

    // MARK: values

    mutating func parseValue(depth: Int) throws(ConfigError) -> TOMLValue {
        skipSpaces()
        guard depth < TOMLParser.maxNesting else { throw error(.syntax, "arrays or inline tables nested too deeply") }
        guard let b = peek() else { throw error(.syntax, "expected a value") }
        switch b {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { return .string(try parseMultilineBasicString()) }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { return .string(try parseMultilineLiteralString()) }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(depth: depth)
        case UInt8(ascii: "{"):
            return try parseInlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return try parseBoolean()
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error(.syntax, "expected a value (string, number, boolean, array or inline table)")
        }
    }

    private mutating func parseBoolean() throws(ConfigError) -> TOMLValue {
        let start = position
        for (word, value) in [("true", true), ("false", false)] {
            let w = Array(word.utf8)
            if index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w {
                let after = index + w.count < bytes.count ? bytes[index + w.count] : nil
                if let after, Self.isBareKeyByte(after) { break }
                for _ in w { advance() }
                return .boolean(value)
            }
        }
        throw error(.syntax, "expected a value (booleans are lowercase true or false; strings need quotes)", at: start)
    }

    private mutating func parseArray(depth: Int) throws(ConfigError) -> TOMLValue {
        let start = position
        advance()  // [
        var items: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let b = peek() else { throw error(.syntax, "unterminated array", at: start) }
            if b == UInt8(ascii: "]") { advance(); return .array(items) }
            items.append(try parseValue(depth: depth + 1))
            try skipBlank()
            guard let c = peek() else { throw error(.syntax, "unterminated array", at: start) }
            if c == UInt8(ascii: ",") { advance(); continue }
            if c == UInt8(ascii: "]") { advance(); return .array(items) }
            throw error(.syntax, "expected ',' or ']' in an array")
        }
    }

    private mutating func parseInlineTable(depth: Int) throws(ConfigError) -> TOMLValue {
        let start = position
        advance()  // {
        let node = TOMLTableNode(origin: .inline, position: start)
        while true {
            try skipBlank()
            guard let b = peek() else { throw error(.syntax, "unterminated inline table", at: start) }
            if b == UInt8(ascii: "}") { advance(); break }
            let keys = try parseKey()
            try expect(UInt8(ascii: "="), "expected '=' after a key")
            let value = try parseValue(depth: depth + 1)
            try TOMLParser.assign(keys, value, in: node)
            try skipBlank()
            guard let c = peek() else { throw error(.syntax, "unterminated inline table", at: start) }
            if c == UInt8(ascii: ",") { advance(); continue }
            if c == UInt8(ascii: "}") { advance(); break }
            throw error(.syntax, "expected ',' or '}' in an inline table")
        }
        return .table(node.build())
    }
}
