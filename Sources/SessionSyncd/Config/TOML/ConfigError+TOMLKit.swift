import TOMLKit

extension ConfigError {
    /// A TOMLKit parse error in this module's words, at toml++'s line:column.
    ///
    /// toml++'s message quotes the text it stopped at (`saw 's'`, `'…' is not representable in 64 bits`),
    /// which may be part of a password; it is read for its kind and scope only and never shown.
    init(tomlKit e: TOMLParseError, bytes: [UInt8]) {
        let message = e.description
        let line = e.source.begin.line
        let column = e.source.begin.column
        // "Error while parsing <scope>: <reason>"; toml++'s scopes are fixed words ("inline table", "string").
        var scope: String?
        if message.hasPrefix("Error while parsing "), let colon = message.firstIndex(of: ":") {
            let s = message[message.index(message.startIndex, offsetBy: 20)..<colon]
            if s.count < 40, s.allSatisfy({ $0.isLetter || $0 == " " || $0 == "-" }) { scope = String(s) }
        }
        if message.contains("cannot redefine existing") {
            // toml++ points at the value; the definition starts at the line's first character.
            self.init(.duplicateKey, "a key or table is defined more than once", key: Self.redefinedKey(in: message),
                      line: line, column: Self.firstNonBlankColumn(line: line, bytes) ?? column)
        } else if message.contains("is not representable in 64 bits") {
            self.init(.invalidValue, "the integer does not fit in 64 bits", line: line, column: column)
        } else if message.contains("not supported in TOML 1.0.0") {
            self.init(.unsupported, "TOML 1.1 syntax is not supported (TOML 1.0 is)", line: line, column: column)
        } else if message.contains("nested value depth") {
            self.init(.syntax, "arrays or inline tables nested too deeply", line: line, column: column)
        } else if scope == "inline table" {
            self.init(.syntax, "not valid TOML in an inline table (TOML 1.0: one line, no trailing comma)", line: line, column: column)
        } else {
            let end = message.hasSuffix("end-of-file") || message.hasSuffix("saw EOF") ? ": the file ends too early" : ""
            self.init(.syntax, "not valid TOML" + (scope.map { " (\($0))" } ?? "") + end, line: line, column: column)
        }
    }

    /// The key of "cannot redefine existing integer 'batch_size'" (a key, never a value).
    private static func redefinedKey(in message: String) -> String? {
        guard let open = message.firstIndex(of: "'"), let close = message.lastIndex(of: "'"), open < close else { return nil }
        return String(message[message.index(after: open)..<close])
    }

    /// 1-based column (in Unicode scalars) of the first non-blank character of `line`.
    private static func firstNonBlankColumn(line: Int, _ bytes: [UInt8]) -> Int? {
        var current = 1
        var column = 1
        for b in bytes {
            if current == line {
                if b == UInt8(ascii: "\n") { return nil }
                if b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return column }
                column += 1
            } else if b == UInt8(ascii: "\n") {
                current += 1
            }
        }
        return nil
    }
}
