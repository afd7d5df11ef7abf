import TOMLKit

/// Reads the configuration file's TOML with TOMLKit (toml++ 3.4 underneath: TOML 1.0) into
/// ``TOMLTable``, our `Sendable` value tree. TOMLKit's own values wrap C++ pointers; converting them once
/// keeps TOMLKit at this edge. Errors carry line:column and never text from the document.
enum TOMLReader {
    /// Parses a TOML document.
    /// - Throws: `ConfigError` (`.syntax`, `.duplicateKey`, `.invalidValue`, `.unsupported`) with line and column.
    static func parse(_ text: String) throws(ConfigError) -> TOMLTable {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a TOML document given as UTF-8 bytes.
    /// - Throws: `ConfigError`: `.unreadable` for invalid UTF-8, else as ``parse(_:)``.
    static func parse(bytes: [UInt8]) throws(ConfigError) -> TOMLTable {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(.unreadable, "the file is not valid UTF-8")
        }
        try rejectNUL(bytes)
        if let (p, detail) = TOMLKeyScan.tomlKitAbort(in: bytes) {
            throw ConfigError(.syntax, "not valid TOML: " + detail, line: p.line, column: p.column)
        }
        let document: TOMLKit.TOMLTable
        do {
            document = try TOMLKit.TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError(tomlKit: e, bytes: bytes)
        } catch {
            throw ConfigError(.syntax, "not valid TOML")
        }
        return try table(document, at: TOMLKeyPath(), TOMLKeyLocator(bytes: bytes))
    }

    /// TOMLKit passes the text and every string as C strings, so a NUL would silently cut them short:
    /// a NUL byte, or a `\u0000` escape anywhere, is refused instead.
    private static func rejectNUL(_ bytes: [UInt8]) throws(ConfigError) {
        let escapes = [Array("\\u0000".utf8), Array("\\U00000000".utf8)]
        var line = 1
        var column = 1
        for i in bytes.indices {
            if bytes[i] == 0 {
                throw ConfigError(.syntax, "NUL character in the file", line: line, column: column)
            }
            if bytes[i] == UInt8(ascii: "\\"), escapes.contains(where: { bytes[i...].starts(with: $0) }) {
                throw ConfigError(.unsupported, "the escape \\u0000 (NUL) is not supported", line: line, column: column)
            }
            if bytes[i] == UInt8(ascii: "\n") { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
        }
    }

    private static func table(_ t: TOMLKit.TOMLTable, at path: TOMLKeyPath, _ locator: TOMLKeyLocator) throws(ConfigError) -> TOMLTable {
        var out = TOMLTable()
        for key in t.keys {
            guard let v = t[key] else {  // a key TOMLKit cannot look up again
                throw error(.unsupported, "a key could not be read back from TOMLKit", at: path, locator)
            }
            out.set(key, try value(v, at: path.appending(key), locator))
        }
        return out
    }

    private static func value(_ v: any TOMLValueConvertible, at path: TOMLKeyPath, _ locator: TOMLKeyLocator) throws(ConfigError) -> TOMLValue {
        switch v.type {
        case .string: if let s = v.string { return .string(s) }
        case .int: if let i = v.int { return .integer(Int64(i)) }
        case .double: if let d = v.double { return .float(d) }
        case .bool: if let b = v.bool { return .boolean(b) }
        case .table: if let t = v.table { return .table(try table(t, at: path, locator)) }
        case .array:
            if let a = v.array {
                var items: [TOMLValue] = []
                for i in 0..<a.count { items.append(try value(a[i], at: path.appending(index: i), locator)) }
                return .array(items)
            }
        case .date, .time, .dateTime:
            throw error(.unsupported, "date and time values are not supported by this configuration", at: path, locator)
        }
        throw error(.unsupported, "a value could not be read back from TOMLKit", at: path, locator)
    }

    private static func error(_ code: ConfigError.Code, _ detail: String, at path: TOMLKeyPath, _ locator: TOMLKeyLocator) -> ConfigError {
        let p = locator.position(of: path)
        return ConfigError(code, detail, key: path.components.isEmpty ? nil : path.description, line: p?.line, column: p?.column)
    }
}
