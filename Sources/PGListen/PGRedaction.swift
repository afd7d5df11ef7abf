/// Removes secrets from connection strings and libpq messages before they are
/// printed or logged.
///
/// Every `key=value` pair has its value replaced by `***` unless the key is one of a few
/// that never hold a secret (``PGRedaction/keptKeys``: host, port, dbname, user, sslmode, …).
/// So `sslpassword`, a misspelled `pasword`, an unknown option and anything else are redacted,
/// not only `password`. Handles key=value conninfo (`password=secret`,
/// `password = 'it\'s quoted'`, unquoted `pass\ word` with backslash escapes as libpq reads
/// them), URI user info (`postgresql://user:secret@host/db`) and URI query parameters
/// (`?sslpassword=x&sslmode=require`), and libpq's `missing "=" after "<token>"`, which
/// echoes a piece of the conninfo. When in doubt it redacts more, not less.
public enum PGRedaction {
    /// The text that replaces a secret.
    public static let mask = "***"

    /// Keys whose values are kept: they name where and how to connect, never a secret.
    /// Every other key's value is redacted (also `options`, which can carry anything).
    public static let keptKeys: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "sslmode", "gssencmode", "application_name",
        "fallback_application_name", "connect_timeout", "target_session_attrs", "load_balance_hosts",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "channel_binding", "replication", "client_encoding",
    ]

    /// Returns `text` with every conninfo value except those of ``keptKeys`` replaced by `***`.
    /// - Parameter text: a conninfo string, URI, or any message that might echo one.
    public static func redact(_ text: String) -> String {
        redactMissingEquals(redactURIUserInfo(redactKeyValues(text)))
    }

    private static func isKeyScalar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_" || c == "-" || ("0"..."9").contains(c)
    }

    /// `key=value` anywhere (key at a word boundary): the value becomes `***` unless the key,
    /// lowercased, is in ``keptKeys``. Inside a URI (after `://`, up to whitespace) `&` and `#`
    /// also end an unquoted value.
    static func redactKeyValues(_ text: String) -> String {
        let chars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inURI = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.properties.isWhitespace { inURI = false }
            if c == ":", i + 2 < chars.count, chars[i + 1] == "/", chars[i + 2] == "/" { inURI = true }
            if isKeyScalar(c), i == 0 || !isKeyScalar(chars[i - 1]) {
                var k = i
                while k < chars.count, isKeyScalar(chars[k]) { k += 1 }
                var j = k
                while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
                if j < chars.count, chars[j] == "=" {
                    j += 1
                    while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
                    let end = skipValue(chars, from: j, inURI: inURI)
                    let key = String(String.UnicodeScalarView(chars[i..<k])).lowercased()
                    out.append(contentsOf: chars[i..<k])
                    out.append("=")
                    let value = chars[j..<end]
                    // A kept key's value with `=` or `\` may hide a pair (`user=a\ password=x`).
                    if keptKeys.contains(key), !value.contains("="), !value.contains("\\") {
                        out.append(contentsOf: value)
                    } else {
                        out.append(contentsOf: mask.unicodeScalars)
                    }
                    i = end
                    continue
                }
                out.append(contentsOf: chars[i..<k])
                i = k
                continue
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    /// Index just past a conninfo value. Quoted (`'` as libpq, or `"`): up to the unescaped
    /// closing quote, a backslash escaping the next character (the end if unterminated).
    /// Unquoted: up to whitespace, a backslash escaping the next character (libpq reads
    /// `a\ b` as `a b`); in a URI also up to `&` or `#`.
    private static func skipValue(_ chars: [Unicode.Scalar], from start: Int, inURI: Bool) -> Int {
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
        while j < chars.count {
            let c = chars[j]
            if c == "\\" { j += 2; continue }
            if c.properties.isWhitespace { break }
            if inURI, c == "&" || c == "#" { break }
            j += 1
        }
        return min(j, chars.count)
    }

    /// libpq's `missing "=" after "<token>" in connection info string` quotes a token of the
    /// conninfo, which may be a password written without its key: the token becomes `***`.
    static func redactMissingEquals(_ text: String) -> String {
        let marker = "missing \"=\" after \""
        guard text.contains(marker) else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: marker) {
            out += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let close = rest.firstRange(of: "\" in connection info string")?.lowerBound ?? rest.endIndex
            out += mask
            rest = rest[close...]
        }
        return out + rest
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
