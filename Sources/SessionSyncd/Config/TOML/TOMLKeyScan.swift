/// One pass of ``TOMLKeyLocator`` over the document, recording definitions until the target's first one.
struct TOMLKeyScan {
    typealias Path = [TOMLKeyPath.Component]
    let bytes: [UInt8]
    /// The key path to find; nil: scan everything (``tomlKitAbort(in:)``).
    let target: Path?
    var index = 0
    var line = 1
    var column = 1
    /// How many `[[name]]` entries each array of tables has so far.
    var tableArrays: [Path: Int] = [:]
    var found: TOMLPosition?
    /// Where toml++ would abort, and why (see ``tomlKitAbort(in:)``).
    var abort: (position: TOMLPosition, detail: String)?

    init(bytes: [UInt8], target: Path?) {
        self.bytes = bytes
        self.target = target
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // byte order mark
    }

    var position: TOMLPosition { TOMLPosition(line: line, column: column) }

    func peek(_ offset: Int = 0) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
    }

    /// True once the target is found (stop scanning).
    mutating func define(_ path: Path, _ at: TOMLPosition) -> Bool {
        if found == nil, path == target { found = at }
        return found != nil
    }

    /// The first place where toml++ 3.4 (in TOMLKit 0.6.0) would abort the process instead of throwing:
    /// a table header whose `[` or `[[` is not followed by a key (`[=`, `[[[`, `[` at a line end:
    /// `Assertion 'is_bare_key_character(*cp) || is_string_delimiter(*cp)' failed`, fixed upstream in
    /// tomlplusplus#301), an array element that starts with `}` or a Unicode line break (U+0085,
    /// U+2028, U+2029: `Assertion '!is_value_terminator(*cp)' failed`), or a date, `T` and no digit
    /// (`1979-05-27true…:`, `Assertion 'is_decimal_digit(*cp)' failed`). Such a file is refused before
    /// TOMLKit sees it. Found by ConfigRobustnessTests; the scan follows toml++ up to its first error.
    static func tomlKitAbort(in bytes: [UInt8]) -> (position: TOMLPosition, detail: String)? {
        var scan = TOMLKeyScan(bytes: bytes, target: nil)
        _ = scan.run()
        return scan.abort
    }

    /// `YYYY-MM-DD` then `T` or `t` and no digit: toml++ asserts a time starts with one.
    static func isDateThenTimeWithoutDigit(_ v: ArraySlice<UInt8>) -> Bool {
        let b = Array(v.prefix(12))
        guard b.count >= 11 else { return false }
        let isDigit = { (c: UInt8) in c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        let isDate = b[0..<10].enumerated().allSatisfy { i, c in i == 4 || i == 7 ? c == UInt8(ascii: "-") : isDigit(c) }
        return isDate && (b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t")) && !(b.count > 11 && isDigit(b[11]))
    }

    /// `}`, U+0085, U+2028 or U+2029 next: toml++ asserts an array element never starts with these.
    func atValueTerminator() -> Bool {
        peek() == UInt8(ascii: "}") || (peek() == 0xC2 && peek(1) == 0x85)
            || (peek() == 0xE2 && peek(1) == 0x80 && (peek(2) == 0xA8 || peek(2) == 0xA9))
    }

    mutating func run() -> TOMLPosition? {
        var table: Path = []
        while found == nil {
            skipBlank()
            guard let b = peek() else { return nil }
            if b == UInt8(ascii: "[") {
                guard let path = header() else { return found }
                table = path
            } else if !keyValue(in: table) {
                return found
            }
        }
        return found
    }

    /// `[a.b]` or `[[a.b]]`; returns the table it opens (nil: found or lost).
    mutating func header() -> Path? {
        let start = position
        advance()
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { advance() }
        skipSpaces()
        guard let b = peek(), Self.isBareKeyByte(b) || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "]") else {
            abort = (position, "a table header needs a key after '['")
            return nil
        }
        guard let keys = key() else { return nil }
        var path: Path = []
        for (i, k) in keys.enumerated() {
            path.append(.key(k.name))
            if i < keys.count - 1 || isArray {
                if define(path, k.position) { return nil }
            }
            if i < keys.count - 1, let n = tableArrays[path] {
                path.append(.index(n - 1))  // `[a.b]` after `[[a]]` extends a's last entry
            }
        }
        if isArray {
            let n = tableArrays[path, default: 0]
            tableArrays[path] = n + 1
            path.append(.index(n))
        }
        if define(path, start) { return nil }
        while let b = peek(), b != UInt8(ascii: "\n") { advance() }  // `]` or `]]`, then blanks or a comment
        return path
    }

    /// `a.b = value` inside `table`; false when found or lost.
    mutating func keyValue(in table: Path) -> Bool {
        guard let keys = key() else { return false }
        var path = table
        for k in keys {
            path.append(.key(k.name))
            if define(path, k.position) { return false }
        }
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else { return false }
        advance()
        skipSpaces()
        return value(at: path)
    }

    /// Skips one value, recording the keys of inline tables and the elements of arrays.
    mutating func value(at path: Path) -> Bool {
        switch peek() {
        case UInt8(ascii: "{"):
            advance()
            while true {
                skipBlank()
                guard let b = peek() else { return false }
                if b == UInt8(ascii: "}") { advance(); return true }
                if b == UInt8(ascii: ",") { advance(); continue }
                if !keyValue(in: path) { return false }
            }
        case UInt8(ascii: "["):
            advance()
            var i = 0
            while true {
                skipBlank()
                guard let b = peek() else { return false }
                if b == UInt8(ascii: "]") { advance(); return true }
                if b == UInt8(ascii: ",") { advance(); continue }
                if atValueTerminator() { abort = (position, "an array element cannot start with this character"); return false }
                let element = path + [.index(i)]
                if define(element, position) || !value(at: element) { return false }
                i += 1
            }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return string() != nil
        case nil:
            return false
        default:
            // A number, boolean or date-time: none contains these bytes.
            let start = index
            let startPosition = position
            while let b = peek(), !"\n\r#,]}".utf8.contains(b) { advance() }
            if Self.isDateThenTimeWithoutDigit(bytes[start..<index]) {
                abort = (startPosition, "a date followed by 'T' needs a time")
                return false
            }
            return index > start
        }
    }

    /// A bare, quoted or dotted key: each part with where it starts.
    mutating func key() -> [(name: String, position: TOMLPosition)]? {
        var parts: [(name: String, position: TOMLPosition)] = []
        while true {
            skipSpaces()
            let start = position
            let name: String
            if peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "'") {
                guard let s = string() else { return nil }
                name = s
            } else {
                var raw: [UInt8] = []
                while let b = peek(), Self.isBareKeyByte(b) { raw.append(b); advance() }
                guard !raw.isEmpty else { return nil }
                name = String(decoding: raw, as: UTF8.self)
            }
            parts.append((name, start))
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    mutating func skipSpaces() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { advance() }
    }

    /// Spaces, line ends and comments.
    mutating func skipBlank() {
        while let b = peek() {
            if b == UInt8(ascii: "#") {
                while let c = peek(), c != UInt8(ascii: "\n") { advance() }
            } else if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                advance()
            } else {
                return
            }
        }
    }
}
