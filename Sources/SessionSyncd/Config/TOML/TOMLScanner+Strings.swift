extension TOMLScanner {
    /// `"..."` with escapes; the scanner is on the opening quote.
    mutating func parseBasicString() throws(ConfigError) -> String {
        let start = position
        advance()
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error(.syntax, "unterminated string", at: start) }
            switch b {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw error(.syntax, "unterminated string (a line end inside a single-line string; use \"\"\" for multi-line)", at: start)
            default:
                if Self.isForbiddenControl(b) { throw error(.syntax, "control character in a string (use an escape)") }
                out.append(b)
                advance()
            }
        }
    }

    /// `'...'`, no escapes; the scanner is on the opening quote.
    mutating func parseLiteralString() throws(ConfigError) -> String {
        let start = position
        advance()
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error(.syntax, "unterminated literal string", at: start) }
            if b == UInt8(ascii: "'") {
                advance()
                return String(decoding: out, as: UTF8.self)
            }
            if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                throw error(.syntax, "unterminated literal string (a line end inside a single-line string; use ''' for multi-line)", at: start)
            }
            if Self.isForbiddenControl(b) { throw error(.syntax, "control character in a literal string") }
            out.append(b)
            advance()
        }
    }

    /// `"""..."""`: a line end right after the opening quotes is dropped; a backslash at the end of a
    /// line removes it and the following whitespace; up to two quotes may precede the closing ones.
    mutating func parseMultilineBasicString() throws(ConfigError) -> String {
        let start = position
        advance(); advance(); advance()
        try skipLeadingLineEnd()
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error(.syntax, "unterminated multi-line string", at: start) }
            switch b {
            case UInt8(ascii: "\""):
                if let extra = try closingQuotes(UInt8(ascii: "\"")) {
                    out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: extra))
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(b)
                advance()
            case UInt8(ascii: "\\"):
                if try skipLineEndingBackslash() { continue }
                try parseEscape(into: &out)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try appendLineEnd(into: &out)
            default:
                if Self.isForbiddenControl(b) { throw error(.syntax, "control character in a string (use an escape)") }
                out.append(b)
                advance()
            }
        }
    }

    /// `'''...'''`, no escapes.
    mutating func parseMultilineLiteralString() throws(ConfigError) -> String {
        let start = position
        advance(); advance(); advance()
        try skipLeadingLineEnd()
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error(.syntax, "unterminated multi-line literal string", at: start) }
            switch b {
            case UInt8(ascii: "'"):
                if let extra = try closingQuotes(UInt8(ascii: "'")) {
                    out.append(contentsOf: repeatElement(UInt8(ascii: "'"), count: extra))
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(b)
                advance()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try appendLineEnd(into: &out)
            default:
                if Self.isForbiddenControl(b) { throw error(.syntax, "control character in a literal string") }
                out.append(b)
                advance()
            }
        }
    }

    private mutating func skipLeadingLineEnd() throws(ConfigError) {
        if peek() == UInt8(ascii: "\n") {
            advance()
        } else if peek() == UInt8(ascii: "\r") {
            guard peek(1) == UInt8(ascii: "\n") else { throw error(.syntax, "carriage return without line feed") }
            advance(); advance()
        }
    }

    /// Line ends inside multi-line strings are normalized to `\n`.
    private mutating func appendLineEnd(into out: inout [UInt8]) throws(ConfigError) {
        if peek() == UInt8(ascii: "\r") {
            guard peek(1) == UInt8(ascii: "\n") else { throw error(.syntax, "carriage return without line feed") }
            advance()
        }
        advance()
        out.append(UInt8(ascii: "\n"))
    }

    /// At a quote: if 3 to 5 quotes follow, consumes them all and returns how many belong to the content
    /// (0-2); if fewer than 3, consumes nothing and returns nil.
    private mutating func closingQuotes(_ quote: UInt8) throws(ConfigError) -> Int? {
        var n = 0
        while peek(n) == quote { n += 1 }
        guard n >= 3 else { return nil }
        guard n <= 5 else { throw error(.syntax, "too many quotes at the end of a multi-line string") }
        for _ in 0..<n { advance() }
        return n - 3
    }

    /// At a backslash: if only spaces/tabs follow up to the line end, skips them and all whitespace and
    /// line ends after it and returns true.
    private mutating func skipLineEndingBackslash() throws(ConfigError) -> Bool {
        var i = 1
        while let b = peek(i), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { i += 1 }
        guard peek(i) == UInt8(ascii: "\n") || (peek(i) == UInt8(ascii: "\r") && peek(i + 1) == UInt8(ascii: "\n")) else {
            return false
        }
        advance()
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") {
                advance()
            } else if b == UInt8(ascii: "\r") {
                guard peek(1) == UInt8(ascii: "\n") else { throw error(.syntax, "carriage return without line feed") }
                advance()
            } else {
                break
            }
        }
        return true
    }

    /// At a backslash: decodes one escape sequence.
    private mutating func parseEscape(into out: inout [UInt8]) throws(ConfigError) {
        let start = position
        advance()
        guard let e = peek() else { throw error(.syntax, "unterminated string", at: start) }
        advance()
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "e"): out.append(0x1B)  // TOML 1.1
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let d = Self.hexDigit(h) else {
                    throw error(.syntax, "\\u needs 4 and \\U needs 8 hexadecimal digits", at: start)
                }
                value = value << 4 | UInt32(d)
                advance()
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(.syntax, "escape is not a Unicode scalar value (surrogate or beyond U+10FFFF)", at: start)
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error(.syntax, "invalid escape sequence (allowed: \\b \\t \\n \\f \\r \\e \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
        }
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
