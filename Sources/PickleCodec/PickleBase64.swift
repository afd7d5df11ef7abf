/// Table-driven standard base64 (RFC 4648, `+/`, `=` padding), as `base64.encodebytes` writes it.
enum PickleBase64 {
    /// 0–63 for alphabet bytes, 0xFE for ASCII whitespace, 0xFD for `=`, 0xFF otherwise.
    static let decodeTable: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        for c: UInt8 in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D] { t[Int(c)] = 0xFE }
        t[0x3D] = 0xFD
        return t
    }()
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// True when every non-whitespace byte is in the alphabet or `=`.
    static func looksLikeBase64(_ text: [UInt8]) -> Bool {
        let t = decodeTable
        for c in text where t[Int(c)] == 0xFF { return false }
        return true
    }

    /// Decodes text with any whitespace (line breaks included) between groups.
    ///
    /// Padding is optional at the very end; anything after `=` but whitespace is an error.
    /// - Parameter maxOutput: decoded-size bound, checked before allocating.
    /// - Throws: `.invalidBase64` with the offending byte's offset, `.limitExceeded`.
    static func decode(_ text: [UInt8], maxOutput: Int) throws(PickleError) -> [UInt8] {
        let t = decodeTable
        var significant = 0
        for c in text where t[Int(c)] < 64 { significant += 1 }
        guard significant / 4 * 3 <= maxOutput else {
            throw PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes")
        }
        var out: [UInt8] = []
        out.reserveCapacity(significant / 4 * 3 + 3)
        var acc: UInt32 = 0
        var count = 0
        var padding = 0
        var padStart = 0
        for (offset, c) in text.enumerated() {
            let v = t[Int(c)]
            if v < 64 {
                guard padding == 0 else {
                    throw PickleError(.invalidBase64, offset: offset, detail: "data after padding")
                }
                acc = acc << 6 | UInt32(v)
                count += 1
                if count == 4 {
                    out.append(UInt8(truncatingIfNeeded: acc >> 16))
                    out.append(UInt8(truncatingIfNeeded: acc >> 8))
                    out.append(UInt8(truncatingIfNeeded: acc))
                    acc = 0
                    count = 0
                }
            } else if v == 0xFE {
                continue
            } else if v == 0xFD {
                if padding == 0 { padStart = offset }
                padding += 1
                guard count >= 2, count + padding <= 4 else {
                    throw PickleError(.invalidBase64, offset: offset, detail: "misplaced padding")
                }
            } else {
                throw PickleError(.invalidBase64, offset: offset, detail: "byte outside the base64 alphabet")
            }
        }
        if padding > 0 && count + padding != 4 {
            throw PickleError(.invalidBase64, offset: padStart, detail: "incomplete padding")
        }
        switch count {
        case 0: break
        case 1: throw PickleError(.invalidBase64, offset: text.count, detail: "truncated base64 group")
        case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4))
        default:
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        }
        return out
    }

    /// Standard base64 with padding, one line (for JSON `$bytes`).
    static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        let a = alphabet
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(a[Int(v >> 18 & 63)]); out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)]); out.append(a[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(a[Int(v >> 18 & 63)]); out.append(a[Int(v >> 12 & 63)])
            out.append(0x3D); out.append(0x3D)
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(a[Int(v >> 18 & 63)]); out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)]); out.append(0x3D)
        }
    }
}
