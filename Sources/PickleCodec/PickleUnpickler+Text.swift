#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PickleUnpickler {
    // MARK: - Integers

    /// INT: `I<decimal>\n`; `I01\n`/`I00\n` are Python 2's True/False. Short plain decimals are
    /// pushed here, the rest (booleans, signs, long or malformed numbers) go through ``parseIntLine(_:)``.
    mutating func pushIntLine() throws(PickleError) {
        let r = try readLine()
        if r.count >= 1, r.count <= 18, r.count == 1 || base[r.lowerBound] != 0x30 {
            var v: Int64 = 0
            var plain = true
            for i in r {
                let d = base[i] &- 0x30
                if d > 9 { plain = false; break }
                v = v &* 10 &+ Int64(d)
            }
            if plain {
                try pushScalar(.int, UInt64(bitPattern: v))
                return
            }
        }
        try push(try parseIntLine(r))
    }

    /// INT's value from its line.
    func parseIntLine(_ r: Range<Int>) throws(PickleError) -> PickleNode {
        if r.count == 2 && input[r.lowerBound] == 0x30 {
            if input[r.lowerBound + 1] == 0x30 { return .bool(false) }
            if input[r.lowerBound + 1] == 0x31 { return .bool(true) }
        }
        return try parseDecimalInteger(r)
    }

    /// LONG: `L<decimal>L\n` (the trailing `L` is optional, as Python 3 reads it).
    mutating func parseLongLine() throws(PickleError) -> PickleNode {
        var r = try readLine()
        if !r.isEmpty && input[r.upperBound - 1] == 0x4C { r = r.lowerBound ..< r.upperBound - 1 }
        return try parseDecimalInteger(r)
    }

    /// A strict decimal integer: optional sign, digits, no leading zeros, no spaces or underscores
    /// (what Python 2 and 3 write; `int()` would accept more, nothing writes it).
    func parseDecimalInteger(_ r: Range<Int>) throws(PickleError) -> PickleNode {
        var start = r.lowerBound
        var negative = false
        if start < r.upperBound && (input[start] == 0x2D || input[start] == 0x2B) {
            negative = input[start] == 0x2D
            start += 1
        }
        let digitCount = r.upperBound - start
        guard digitCount > 0 else { throw fail(.invalidText, "integer has no digits") }
        guard digitCount <= limits.maxIntegerDigits else { throw fail(.limitExceeded, "integer longer than maxIntegerDigits") }
        for i in start ..< r.upperBound where !(input[i] >= 0x30 && input[i] <= 0x39) {
            throw fail(.invalidText, "integer has a non-digit")
        }
        if digitCount > 1 && input[start] == 0x30 { throw fail(.invalidText, "integer has a leading zero") }
        if digitCount <= 18 {
            var v: Int64 = 0
            for i in start ..< r.upperBound { v = v * 10 + Int64(input[i] - 0x30) }
            return .int(negative ? -v : v)
        }
        let big = PickleBigInt(digits: UnsafeBufferPointer(start: base + start, count: digitCount), negative: negative)
        if let small = big.int64 { return .int(small) }
        return .bigInt(big)
    }

    /// LONG4's byte count, held to ``PickleLimits/maxIntegerDigits`` (256ⁿ has about 2.41·n digits).
    func checkBinaryLongSize(_ n: Int) throws(PickleError) {
        guard n <= limits.maxIntegerDigits / 12 * 5 + 8 else {
            throw fail(.limitExceeded, "integer longer than maxIntegerDigits")
        }
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    mutating func longFromBytes(_ r: Range<Int>) throws(PickleError) -> PickleNode {
        try charge(r.count)
        let big = PickleBigInt(normalizing: Array(input[r]))
        if let small = big.int64 { return .int(small) }
        return .bigInt(big)
    }

    // MARK: - Floats

    /// FLOAT: Python's `repr(float)` text, including `nan`, `inf`, `-inf`.
    mutating func parseFloatLine() throws(PickleError) -> Double {
        let r = try readLine()
        guard let d = PickleUnpickler.parsePythonFloat(input[r]) else { throw fail(.invalidText, "float does not parse") }
        return d
    }

    /// Parses what `repr(float)` writes (and `float()` reads, minus spaces and underscores).
    static func parsePythonFloat(_ bytes: ArraySlice<UInt8>) -> Double? {
        var body = bytes
        var negative = false
        if let f = body.first, f == 0x2B || f == 0x2D {
            negative = f == 0x2D
            body = body.dropFirst()
        }
        let lower = String(decoding: body.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if lower == "nan" { return negative ? -Double.nan : Double.nan }
        if lower == "inf" || lower == "infinity" { return negative ? -Double.infinity : Double.infinity }
        // digits [. digits] [e [sign] digits], at least one mantissa digit
        var i = body.startIndex
        var mantissaDigits = 0
        while i < body.endIndex, body[i] >= 0x30, body[i] <= 0x39 { i += 1; mantissaDigits += 1 }
        if i < body.endIndex, body[i] == 0x2E {
            i += 1
            while i < body.endIndex, body[i] >= 0x30, body[i] <= 0x39 { i += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return nil }
        if i < body.endIndex, body[i] == 0x65 || body[i] == 0x45 {
            i += 1
            if i < body.endIndex, body[i] == 0x2B || body[i] == 0x2D { i += 1 }
            var expDigits = 0
            while i < body.endIndex, body[i] >= 0x30, body[i] <= 0x39 { i += 1; expDigits += 1 }
            guard expDigits > 0 else { return nil }
        }
        guard i == body.endIndex else { return nil }
        guard let d = Double(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return d
    }

    // MARK: - Strings

    /// STRING: a Python 2 `repr` of a str — quoted, with backslash escapes.
    mutating func pushQuotedStringLine() throws(PickleError) {
        let r = try readLine()
        try charge(r.count)
        guard r.count >= 2, input[r.lowerBound] == input[r.upperBound - 1],
              input[r.lowerBound] == 0x27 || input[r.lowerBound] == 0x22 else {
            throw fail(.invalidText, "STRING argument must be quoted")
        }
        let body = r.lowerBound + 1 ..< r.upperBound - 1
        var escaped = false
        for i in body where base[i] == 0x5C { escaped = true; break }
        if !escaped {
            try pushSlice(.py2String, at: body.lowerBound, count: body.count)
            return
        }
        try push(.py2String(PickleBytes(try unescapeQuoted(r))))
    }

    /// The bytes of a quoted STRING line with backslash escapes.
    func unescapeQuoted(_ r: Range<Int>) throws(PickleError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(r.count - 2)
        var i = r.lowerBound + 1
        let end = r.upperBound - 1
        while i < end {
            let c = input[i]
            i += 1
            guard c == 0x5C else { out.append(c); continue }
            guard i < end else { throw fail(.invalidText, "STRING ends with a backslash") }
            let e = input[i]
            i += 1
            switch e {
            case 0x0A: break                     // line continuation
            case 0x5C, 0x27, 0x22: out.append(e)
            case 0x62: out.append(0x08)          // \b
            case 0x66: out.append(0x0C)          // \f
            case 0x74: out.append(0x09)          // \t
            case 0x6E: out.append(0x0A)          // \n
            case 0x72: out.append(0x0D)          // \r
            case 0x76: out.append(0x0B)          // \v
            case 0x61: out.append(0x07)          // \a
            case 0x30 ... 0x37:
                var v = Int(e - 0x30)
                var n = 1
                while n < 3, i < end, input[i] >= 0x30, input[i] <= 0x37 {
                    v = v * 8 + Int(input[i] - 0x30)
                    i += 1; n += 1
                }
                out.append(UInt8(truncatingIfNeeded: v))
            case 0x78:                           // \xHH
                guard end - i >= 2, let h = Self.hexValue(input[i]), let l = Self.hexValue(input[i + 1]) else {
                    throw fail(.invalidText, "invalid \\x escape in STRING")
                }
                out.append(h << 4 | l)
                i += 2
            default:
                out.append(0x5C); out.append(e)  // unknown escapes stay as written
            }
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30 ... 0x39: return c - 0x30
        case 0x41 ... 0x46: return c - 0x41 + 10
        case 0x61 ... 0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// UNICODE: raw-unicode-escape — bytes are Latin-1 code points except `\uXXXX` and `\UXXXXXXXX`.
    ///
    /// A high+low surrogate escape pair (what narrow Python 2 builds could write) becomes one
    /// scalar; an unpaired surrogate cannot live in a Swift `String` and is an error.
    mutating func pushRawUnicodeEscapeLine() throws(PickleError) {
        let r = try readLine()
        try charge(r.count)
        if Self.plainRun(base + r.lowerBound, r.count) == r.count {
            try pushSlice(.string, at: r.lowerBound, count: r.count)  // ASCII without escapes: the line is the text
            return
        }
        try pushEscapedText(r)
    }

    /// Length of the leading run of ASCII bytes other than a backslash, eight bytes at a time.
    @inline(__always)
    static func plainRun(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var i = 0
        while n - i >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            let x = w ^ 0x5C5C_5C5C_5C5C_5C5C  // a zero byte where w has a backslash
            let special = (w | (x &- 0x0101_0101_0101_0101) & ~x) & 0x8080_8080_8080_8080
            if special != 0 { return i + special.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n && p[i] < 0x80 && p[i] != 0x5C { i += 1 }
        return i
    }

    /// Decodes a raw-unicode-escape line with escapes or Latin-1 bytes straight into the heap
    /// as UTF-8, and pushes it: a literal byte becomes at most 2 bytes, an escape of 6 or 10
    /// bytes at most 4, so twice the line's length always suffices.
    mutating func pushEscapedText(_ r: Range<Int>) throws(PickleError) {
        let start = st.heap.count
        st.heap.reserve(2 * r.count)
        let out = st.heap.base + start  // stays valid: nothing else appends to the heap here
        let all = base
        var o = 0
        var high: UInt32 = 0  // a high surrogate waiting for its low half
        var unpaired = false  // reported after the whole line parsed, as escape errors come first
        var i = r.lowerBound
        let end = r.upperBound
        while i < end {
            if high == 0 && !unpaired {
                let run = Self.plainRun(all + i, end - i)
                if run > 0 {
                    (out + o).update(from: all + i, count: run)
                    o += run
                    i += run
                    if i == end { break }
                }
            }
            let c = all[i]
            i += 1
            var v: UInt32
            if c != 0x5C {
                if high == 0 && !unpaired {
                    // A literal byte is the code point of the same value (Latin-1).
                    if c < 0x80 {
                        out[o] = c
                        o += 1
                    } else {
                        out[o] = 0xC0 | c >> 6
                        out[o + 1] = 0x80 | c & 0x3F
                        o += 2
                    }
                    continue
                }
                v = UInt32(c)
            } else if i < end, all[i] == 0x75 || all[i] == 0x55 {
                let digits = all[i] == 0x75 ? 4 : 8
                i += 1
                guard end - i >= digits else { throw fail(.invalidText, "truncated \\u escape in UNICODE") }
                v = 0
                for k in 0 ..< digits {
                    guard let h = Self.hexValue(all[i + k]) else { throw fail(.invalidText, "bad \\u escape in UNICODE") }
                    v = v << 4 | UInt32(h)
                }
                i += digits
                guard v <= 0x10FFFF else { throw fail(.invalidText, "\\U escape out of range in UNICODE") }
            } else {
                v = UInt32(c)
                if i < end {  // "\\x" stays literal, both bytes
                    if high != 0 { unpaired = true; high = 0 }
                    if !unpaired { o += Self.putUTF8(v, out + o) }
                    v = UInt32(all[i])
                    i += 1
                }
            }
            if high != 0 {
                if v >= 0xDC00 && v <= 0xDFFF {
                    o += Self.putUTF8(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00), out + o)
                    high = 0
                    continue
                }
                unpaired = true
                high = 0
            }
            if v >= 0xD800 && v <= 0xDBFF {
                high = v
            } else if v >= 0xDC00 && v <= 0xDFFF {
                unpaired = true
            } else if !unpaired {
                o += Self.putUTF8(v, out + o)
            }
        }
        if high != 0 || unpaired { throw fail(.invalidText, "unpaired surrogate in string") }
        st.heap.count = start + o
        var node = PickleRawNode(tag: .string, payload: UInt64(start))
        node.inHeap = true
        node.count = UInt32(truncatingIfNeeded: o)
        try pushRaw(node)
    }

    /// Writes the UTF-8 of scalar value `v` (not a surrogate, at most U+10FFFF) at `out`; returns its length.
    @inline(__always)
    static func putUTF8(_ v: UInt32, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        switch v {
        case 0 ..< 0x80:
            out[0] = UInt8(v)
            return 1
        case 0x80 ..< 0x800:
            out[0] = UInt8(0xC0 | v >> 6); out[1] = UInt8(0x80 | v & 0x3F)
            return 2
        case 0x800 ..< 0x10000:
            out[0] = UInt8(0xE0 | v >> 12); out[1] = UInt8(0x80 | v >> 6 & 0x3F); out[2] = UInt8(0x80 | v & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | v >> 18); out[1] = UInt8(0x80 | v >> 12 & 0x3F)
            out[2] = UInt8(0x80 | v >> 6 & 0x3F); out[3] = UInt8(0x80 | v & 0x3F)
            return 4
        }
    }

    /// Builds a String, joining surrogate pairs; a lone surrogate is `.invalidText`.
    func stringFromCodePoints(_ code: [UInt32]) throws(PickleError) -> String {
        // Encoded to UTF-8 here and turned into a String once: appending scalars one by one
        // to a String costs several times more.
        var utf8: [UInt8] = []
        utf8.reserveCapacity(code.count + code.count / 2)
        var k = 0
        while k < code.count {
            var v = code[k]
            k += 1
            if v >= 0xD800 && v <= 0xDFFF {
                guard v <= 0xDBFF, k < code.count, code[k] >= 0xDC00, code[k] <= 0xDFFF else {
                    throw fail(.invalidText, "unpaired surrogate in string")
                }
                v = 0x10000 + ((v - 0xD800) << 10) + (code[k] - 0xDC00)
                k += 1
            }
            guard v <= 0x10FFFF else { throw fail(.invalidText, "unpaired surrogate in string") }
            Self.appendUTF8(v, to: &utf8)
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Appends the UTF-8 encoding of scalar value `v` (not a surrogate, at most U+10FFFF).
    static func appendUTF8(_ v: UInt32, to utf8: inout [UInt8]) {
        var four: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let n = withUnsafeMutableBytes(of: &four) { putUTF8(v, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        withUnsafeBytes(of: four) { utf8.append(contentsOf: $0.prefix(n)) }
    }

    /// BINUNICODE payload with encoded surrogates or invalid UTF-8: CPython's `surrogatepass` encodings
    /// of surrogates are accepted when they form pairs, and an unpaired one is `.invalidText` (Swift
    /// strings hold scalars only).
    func decodeUTF8(_ r: Range<Int>) throws(PickleError) -> String {
        var code: [UInt32] = []
        var i = r.lowerBound
        let end = r.upperBound
        while i < end {
            let b0 = input[i]
            var need = 0
            var v: UInt32 = 0
            var minimum: UInt32 = 0
            switch b0 {
            case 0x00 ... 0x7F: code.append(UInt32(b0)); i += 1; continue
            case 0xC2 ... 0xDF: need = 1; v = UInt32(b0 & 0x1F); minimum = 0x80
            case 0xE0 ... 0xEF: need = 2; v = UInt32(b0 & 0x0F); minimum = 0x800
            case 0xF0 ... 0xF4: need = 3; v = UInt32(b0 & 0x07); minimum = 0x10000
            default: throw fail(.invalidText, "invalid UTF-8 in string")
            }
            guard end - i > need else { throw fail(.invalidText, "invalid UTF-8 in string") }
            for k in 1 ... need {
                let b = input[i + k]
                guard b & 0xC0 == 0x80 else { throw fail(.invalidText, "invalid UTF-8 in string") }
                v = v << 6 | UInt32(b & 0x3F)
            }
            guard v >= minimum, v <= 0x10FFFF else { throw fail(.invalidText, "invalid UTF-8 in string") }
            code.append(v)
            i += need + 1
        }
        return try stringFromCodePoints(code)
    }

    // MARK: - Text and bytes as ranges of the input

    /// SHORT_BINUNICODE of at most 16 ASCII bytes (dict keys, most short values), inlined into the loop.
    ///
    /// Two loads, masked to the text, check it when 16 bytes are readable from its start.
    /// - Returns: false, having changed nothing, when ``pushText(_:)`` must handle it.
    @inline(__always)
    mutating func pushShortASCII(_ n: Int) -> Bool {
        let at = pos
        guard n <= 16, input.count &- at >= 16, n <= limit &- at, decodedBytes &+ n &+ 16 <= limits.maxDecodedBytes,
              stack.count < limits.maxStackDepth else { return false }
        let raw = UnsafeRawPointer(base + at)
        let low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        // Little-endian: the text is the low n bytes of the 16.
        let bits = n &* 8
        let lowMask: UInt64 = bits >= 64 ? ~0 : (1 &<< UInt64(bits)) &- 1
        let highMask: UInt64 = bits <= 64 ? 0 : bits >= 128 ? ~0 : (1 &<< UInt64(bits &- 64)) &- 1
        guard (low & lowMask | high & highMask) & 0x8080_8080_8080_8080 == 0 else { return false }
        pushCheckedText(at: at, count: n)
        return true
    }

    /// Reads `count` bytes at `at` as a str node and pushes it, once the caller has checked the
    /// bounds, the budget, the stack depth and the UTF-8.
    @inline(__always)
    private mutating func pushCheckedText(at: Int, count n: Int) {
        pos = at &+ n
        decodedBytes = decodedBytes &+ n &+ 16
        var r = PickleRawNode(tag: .string, payload: UInt64(at))
        r.count = UInt32(truncatingIfNeeded: n)
        st.raw.append(r)
        stack.append(st.raw.count - 1)
    }

    /// BINUNICODE*: valid UTF-8 stays where it is in the input; joined surrogate pairs go to the heap.
    @inline(__always)
    mutating func pushText(_ n: Int) throws(PickleError) {
        // Everything in bounds (input, frame, budget, stack) and the text plain UTF-8: one pass, no
        // separate checks. Anything else takes the checked path below, which names the error.
        let at = pos
        if n <= limit &- at, decodedBytes &+ n &+ 16 <= limits.maxDecodedBytes, stack.count < limits.maxStackDepth,
           PickleUTF8.isPlain(base + at, n, readable: input.count &- at) {
            pushCheckedText(at: at, count: n)
            return
        }
        let s = try takeCharged(n)
        if PickleUTF8.isASCII(base + s, n) {
            try pushSlice(.string, at: s, count: n)
            return
        }
        switch PickleUTF8.validate(base + s, n) {
        case .valid: try pushSlice(.string, at: s, count: n)
        case .surrogates, .invalid: try push(.string(try decodeUTF8(s ..< s + n)))
        }
    }

    /// BINBYTES*, BYTEARRAY8, BINSTRING, SHORT_BINSTRING: the payload, in place.
    @inline(__always)
    mutating func pushBytes(_ tag: PickleRawNode.Tag, _ n: Int) throws(PickleError) {
        let s = try takeCharged(n)
        try pushSlice(tag, at: s, count: n)
    }

    /// Pushes a text or bytes node for input bytes `at ..< at + count`.
    @inline(__always)
    mutating func pushSlice(_ tag: PickleRawNode.Tag, at: Int, count: Int) throws(PickleError) {
        var r = PickleRawNode(tag: tag, payload: UInt64(at))
        r.count = UInt32(truncatingIfNeeded: count)
        try pushRaw(r)
    }
}
