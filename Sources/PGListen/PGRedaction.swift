/// Removes passwords from connection strings and libpq messages before they are
/// printed or logged.
///
/// Handles key=value conninfo (`password=secret`, `password = 'it''s \' quoted'`),
/// URI user info (`postgresql://user:secret@host/db`) and URI query parameters
/// (`?password=secret&sslmode=require`). When in doubt it redacts more, not less.
public enum PGRedaction {
    /// The text that replaces a secret.
    public static let mask = "***"

    /// Returns `text` with every password value replaced by `***`.
    /// - Parameter text: a conninfo string, URI, or any message that might echo one.
    public static func redact(_ text: String) -> String {
        redactURIUserInfo(redactKeyValues(text))
    }

    /// `password=...` anywhere, at a word boundary, case-insensitively.
    static func redactKeyValues(_ text: String) -> String {
        let chars = Array(text.unicodeScalars)
        let key = Array("password".unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            if matchesKey(chars, at: i, key: key) {
                var j = i + key.count
                while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
                if j < chars.count, chars[j] == "=" {
                    j += 1
                    while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
                    out.append(contentsOf: chars[i..<(i + key.count)])
                    out.append("=")
                    out.append(contentsOf: mask.unicodeScalars)
                    i = skipValue(chars, from: j)
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return String(out)
    }

    private static func matchesKey(_ chars: [Unicode.Scalar], at i: Int, key: [Unicode.Scalar]) -> Bool {
        guard i + key.count <= chars.count else { return false }
        if i > 0 {
            let prev = chars[i - 1]
            // Only a separator may precede the keyword: "mypassword=" is not the key.
            if prev.properties.isAlphabetic || prev == "_" || ("0"..."9").contains(prev) { return false }
        }
        for k in 0..<key.count where chars[i + k].properties.lowercaseMapping != String(key[k]) {
            return false
        }
        return true
    }

    /// Index just past a conninfo value: a quoted value ends at the unescaped closing
    /// quote (or the end if unterminated); an unquoted one at whitespace or `&`
    /// (URI query separator).
    private static func skipValue(_ chars: [Unicode.Scalar], from start: Int) -> Int {
        var j = start
        if j < chars.count, chars[j] == "'" || chars[j] == "\"" {
            let quote = chars[j]
            j += 1
            while j < chars.count {
                if chars[j] == "\\" { j += 2; continue }
                if chars[j] == quote { return j + 1 }
                j += 1
            }
            return chars.count
        }
        while j < chars.count, !chars[j].properties.isWhitespace, chars[j] != "&" { j += 1 }
        return j
    }

    /// `scheme://user:secret@host` → `scheme://user:***@host`, for every URI in the text.
    static func redactURIUserInfo(_ text: String) -> String {
        let chars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            if i + 3 <= chars.count, chars[i] == ":", chars[i + 1] == "/", chars[i + 2] == "/" {
                out.append(contentsOf: chars[i..<(i + 3)])
                i += 3
                // Authority ends at whitespace, '?' or '#'. A '/' may be part of an
                // unencoded password, so the user info ends at the LAST '@' before that.
                var end = i
                while end < chars.count, !chars[end].properties.isWhitespace,
                    chars[end] != "?", chars[end] != "#"
                {
                    end += 1
                }
                if let at = chars[i..<end].lastIndex(of: "@"),
                    let colon = chars[i..<at].firstIndex(of: ":")
                {
                    out.append(contentsOf: chars[i...colon])
                    out.append(contentsOf: mask.unicodeScalars)
                    i = at
                }
                continue
            }
            out.append(chars[i])
            i += 1
        }
        return String(out)
    }
}
