/// logfmt quoting: `key=value`, the value in double quotes when it is empty or holds a space, `=`,
/// a quote, a backslash or a control character; inside quotes `"` `\` and controls are escaped, so
/// every event stays on one line.
enum LogfmtEncoding {
    /// A key made safe: bytes other than letters, digits, `_ . - /` become `_`.
    static func key(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var out = ""
        for scalar in key.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || scalar == "." || scalar == "-" || scalar == "/"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out
    }

    /// A value, quoted only when needed (or always with `forceQuotes`).
    static func value(_ value: String, forceQuotes: Bool = false) -> String {
        let needsQuotes = forceQuotes || value.isEmpty || value.unicodeScalars.contains { s in
            s.value <= 0x20 || s == "=" || s == "\"" || s == "\\" || s.value == 0x7F
        }
        guard needsQuotes else { return value }
        var out = "\""
        for s in value.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if s.value < 0x20 || s.value == 0x7F {
                    out += "\\u" + hex4(s.value)
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out + "\""
    }

    static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
