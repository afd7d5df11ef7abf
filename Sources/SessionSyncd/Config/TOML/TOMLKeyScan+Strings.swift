extension TOMLKeyScan {
    /// Reads a basic or literal string, single- or multi-line, and returns its text (escapes decoded, as a
    /// quoted key needs them to compare with TOMLKit's key); nil if it does not end.
    mutating func string() -> String? {
        guard let quote = peek() else { return nil }
        let isBasic = quote == UInt8(ascii: "\"")
        let isMultiline = peek(1) == quote && peek(2) == quote
        advance(isMultiline ? 3 : 1)
        var text: [UInt8] = []
        while let b = peek() {
            if b == quote && (!isMultiline || (peek(1) == quote && peek(2) == quote)) {
                advance(isMultiline ? 3 : 1)
                // `"""a""""` ends with content quotes: at most two more belong to the string.
                var extra = 0
                while isMultiline, extra < 2, peek() == quote { text.append(quote); advance(); extra += 1 }
                return String(decoding: text, as: UTF8.self)
            }
            if isBasic && b == UInt8(ascii: "\\") {
                advance()
                guard let decoded = escape() else { return nil }
                text += decoded
                continue
            }
            text.append(b)
            advance()
        }
        return nil
    }

    /// The bytes an escape (after the backslash) stands for; a line-ending backslash drops the blanks after it.
    private mutating func escape() -> [UInt8]? {
        guard let e = peek() else { return nil }
        advance()
        switch e {
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "e"): return [0x1B]
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): return [e]
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            guard index + count <= bytes.count,
                  let n = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(n) else { return nil }
            advance(count)
            return Array(String(Character(scalar)).utf8)
        default:
            // Line-ending backslash in a multi-line string.
            while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                advance()
            }
            return []
        }
    }
}
