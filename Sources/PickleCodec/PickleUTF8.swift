/// UTF-8 validation for BINUNICODE payloads, without building a string.
///
/// The rules are CPython's for `str` (shortest forms only, at most U+10FFFF), except
/// that encoded surrogates (which CPython's `surrogatepass` accepts) are reported
/// apart, so the caller can join pairs or refuse a lone one.
enum PickleUTF8 {
    enum Validity { case valid, surrogates, invalid }

    /// True when the `n` bytes at `p` are all below 0x80 (eight at a time).
    @inline(__always)
    static func isASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            var any: UInt64 = 0
            var i = 0
            while i + 8 <= n {
                any |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            any |= raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)  // the tail, overlapping
            return any & 0x8080_8080_8080_8080 == 0
        }
        var any: UInt8 = 0
        for i in 0 ..< n { any |= p[i] }
        return any < 0x80
    }

    /// True when the `n` bytes at `p` are UTF-8 without encoded surrogates: the common case in one pass.
    ///
    /// ASCII is checked 16 bytes at a time; at the first word with a high bit the rest goes to
    /// ``validate(_:_:)``, from that word (every byte before it is ASCII, so it starts a character).
    /// - Parameter readable: bytes readable from `p` (at least `n`); with 8 or more, a short text is
    ///   checked with one masked load instead of a byte loop.
    @inline(__always)
    static func isPlain(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        let high: UInt64 = 0x8080_8080_8080_8080
        if n < 8 {
            if readable >= 8 {
                // Little-endian: the text's bytes are the word's low `n` bytes.
                let word = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                let mask: UInt64 = n == 0 ? 0 : ~0 >> UInt64(64 &- 8 &* n)
                if word & mask & high == 0 { return true }
            } else if isASCII(p, n) {
                return true
            }
            return validate(p, n) == .valid
        }
        var i = 0
        while i &+ 16 <= n {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                | raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            if word & high != 0 { return validate(p + i, n &- i) == .valid }
            i &+= 16
        }
        // 0 to 15 bytes left (n >= 8): the word at i and the last word, overlapping.
        let tail = raw.loadUnaligned(fromByteOffset: min(i, n &- 8), as: UInt64.self)
            | raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        if tail & high == 0 { return true }
        return validate(p + i, n &- i) == .valid
    }

    /// Checks `n` bytes at `p`.
    static func validate(_ p: UnsafePointer<UInt8>, _ n: Int) -> Validity {
        var i = 0
        var surrogates = false
        while i < n {
            // ASCII runs eight bytes at a time (a session is mostly ASCII); a word with a non-ASCII
            // byte skips its ASCII prefix at once (little-endian: the lowest set bit is the first byte).
            if n &- i >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let high = word & 0x8080_8080_8080_8080
                if high == 0 {
                    i &+= 8
                    continue
                }
                i &+= high.trailingZeroBitCount &>> 3  // now at a non-ASCII byte: no test for ASCII
            } else if p[i] < 0x80 {
                i &+= 1
                continue
            }
            // Two-byte characters (Latin letters with accents) are the common case: tested before the switch.
            let b0 = p[i]
            if b0 >= 0xC2 && b0 <= 0xDF && n &- i >= 2 && p[i &+ 1] & 0xC0 == 0x80 {
                i &+= 2
                continue
            }
            switch b0 {
            case 0xC2 ... 0xDF:
                guard n - i >= 2, p[i + 1] & 0xC0 == 0x80 else { return .invalid }
                i += 2
            case 0xE0 ... 0xEF:
                guard n - i >= 3, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return .invalid }
                let b1 = p[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return .invalid }       // overlong
                if b0 == 0xED && b1 >= 0xA0 { surrogates = true }     // U+D800 ... U+DFFF
                i += 3
            case 0xF0 ... 0xF4:
                guard n - i >= 4, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else {
                    return .invalid
                }
                let b1 = p[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return .invalid }       // overlong
                if b0 == 0xF4 && b1 >= 0x90 { return .invalid }      // above U+10FFFF
                i += 4
            default:
                return .invalid
            }
        }
        return surrogates ? .surrogates : .valid
    }
}
