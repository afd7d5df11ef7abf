#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PickleUnpickler {
    // MARK: - Integers

    /// INT: `I<decimal>\n`; `I01\n`/`I00\n` are Python 2's True/False.
    ///
    /// Up to 18 digits without a leading zero, then a newline inside the frame or input, are read and
    /// pushed in one pass; everything else goes to ``pushIntLineSlow()``.
    @inline(__always)
    mutating func pushIntLine() throws(PickleError) {
        var i = pos, v: Int64 = 0
        let end = min(limit, pos &+ 18)
        while i < end {
            let d = base[i] &- 0x30
            if d > 9 { break }
            v = v &* 10 &+ Int64(d)
            i &+= 1
        }
        if i > pos, i < limit, base[i] == 0x0A, i == pos &+ 1 || base[pos] != 0x30 {
            pos = i &+ 1
            try pushScalar(.int, UInt64(bitPattern: v))
            return
        }
        try pushIntLineSlow()
    }

    /// ``pushIntLine()`` for the lines its one pass does not take: short plain decimals are pushed
    /// here, the rest (booleans, signs, long or malformed numbers) go through ``parseIntLine(_:)``.
    @inline(never)
    mutating func pushIntLineSlow() throws(PickleError) {
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
        if digitCount <= 57 { return Self.wideInteger(base + start, digitCount, negative: negative) }
        let big = PickleBigInt(digits: UnsafeBufferPointer(start: base + start, count: digitCount), negative: negative)
        if let small = big.int64 { return .int(small) }
        return .bigInt(big)
    }

    /// The integer of `n` ASCII digits at `p` (checked, at most 57: below 2¹⁹²), negated when `negative`:
    /// what ``PickleBigInt/init(digits:negative:)`` gives (an `.int` when it fits in 64 bits), computed
    /// in three 64-bit limbs (Python 3's UUIDs are 39 digits) without its intermediate arrays.
    static func wideInteger(_ p: UnsafePointer<UInt8>, _ n: Int, negative: Bool) -> PickleNode {
        var l0: UInt64 = 0, l1: UInt64 = 0, l2: UInt64 = 0  // little-endian limbs of the magnitude
        var i = 0
        while i < n {
            // limbs = limbs * 10^k + the next k digits (k <= 19: 10^k fits in 64 bits).
            let k = min(19, n - i)
            var chunk: UInt64 = 0, scale: UInt64 = 1
            for j in i ..< i + k {
                chunk = chunk &* 10 &+ UInt64(p[j] &- 0x30)
                scale = scale &* 10
            }
            let m0 = l0.multipliedFullWidth(by: scale), m1 = l1.multipliedFullWidth(by: scale)
            let (s0, c0) = m0.low.addingReportingOverflow(chunk)
            let (t1, c1) = m1.low.addingReportingOverflow(m0.high)
            let (s1, c2) = t1.addingReportingOverflow(c0 ? 1 : 0)
            l2 = l2 &* scale &+ m1.high &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)  // no overflow below 2^192
            l0 = s0
            l1 = s1
            i += k
        }
        if l1 == 0 && l2 == 0 {
            if !negative && l0 <= UInt64(Int64.max) { return .int(Int64(l0)) }
            if negative && l0 <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- l0)) }
        }
        // Two's complement over 25 bytes (a sign byte above the 24 of the limbs), then the redundant
        // sign bytes stripped as ``PickleBigInt/init(normalizing:)`` does (the value is not 0 here).
        if negative {
            let (n0, d0) = (~l0).addingReportingOverflow(1)
            let (n1, d1) = (~l1).addingReportingOverflow(d0 ? 1 : 0)
            (l0, l1, l2) = (n0, n1, ~l2 &+ (d1 ? 1 : 0))
        }
        let words: (UInt64, UInt64, UInt64, UInt64) = (l0.littleEndian, l1.littleEndian, l2.littleEndian, negative ? ~0 : 0)
        return withUnsafeBytes(of: words) { raw -> PickleNode in
            var count = 25
            while count > 1 {
                let last = raw[count - 1], prev = raw[count - 2]
                guard (last == 0x00 && prev & 0x80 == 0) || (last == 0xFF && prev & 0x80 != 0) else { break }
                count -= 1
            }
            return .bigInt(PickleBigInt(twosComplement: Array(raw.prefix(count))))
        }
    }

    /// LONG4's byte count, held to ``PickleLimits/maxIntegerDigits`` (256ⁿ has about 2.41·n digits).
    func checkBinaryLongSize(_ n: Int) throws(PickleError) {
        guard n <= limits.maxIntegerDigits / 12 * 5 + 8 else {
            throw fail(.limitExceeded, "integer longer than maxIntegerDigits")
        }
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

    /// STRING: a Python 2 `repr` of a str — quoted, with backslash escapes. The PUT that usually
    /// follows is run here too (``putIfNext()``).
    mutating func pushQuotedStringLine() throws(PickleError) {
        // One pass, eight bytes at a time, finds the newline and whether a backslash comes before it:
        // a quoted line without one is its own text.
        var i = pos
        let lineLimit = limit
        let ones: UInt64 = 0x0101_0101_0101_0101
        while lineLimit &- i >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let nl = w ^ 0x0A0A_0A0A_0A0A_0A0A, bs = w ^ 0x5C5C_5C5C_5C5C_5C5C
            let flags = ((nl &- ones) & ~nl | (bs &- ones) & ~bs) & 0x8080_8080_8080_8080
            if flags == 0 {
                i &+= 8
                continue
            }
            let at = i &+ flags.trailingZeroBitCount &>> 3
            let q = base[pos]
            if base[at] == 0x0A, at &- pos >= 2, q == 0x27 || q == 0x22, base[at &- 1] == q {
                let start = pos
                pos = at &+ 1
                try charge(at &- start)
                try pushSlice(.py2String, at: start &+ 1, count: at &- start &- 2)
                try putIfNext()
                return
            }
            break
        }
        try pushQuotedStringLineSlow()
        try putIfNext()
    }

    /// ``pushQuotedStringLine()`` for a line with escapes, malformed, or at the input's or frame's end.
    mutating func pushQuotedStringLineSlow() throws(PickleError) {
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
    /// The PUT that usually follows is run here too (``putIfNext()``).
    mutating func pushRawUnicodeEscapeLine() throws(PickleError) {
        // One pass, eight bytes at a time, finds the newline and whether a backslash or a non-ASCII
        // byte comes before it. Each flag set is exact at its lowest byte (spurious ones only follow a
        // real match), so the lowest flag of the three is the first byte of interest.
        var i = pos
        let lineLimit = limit
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        while lineLimit &- i >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let nl = w ^ 0x0A0A_0A0A_0A0A_0A0A, bs = w ^ 0x5C5C_5C5C_5C5C_5C5C
            let flags = ((nl &- ones) & ~nl | (bs &- ones) & ~bs | w) & high
            if flags == 0 {
                i &+= 8
                continue
            }
            let at = i &+ flags.trailingZeroBitCount &>> 3
            let r: Range<Int>
            if base[at] == 0x0A {
                r = pos ..< at
                pos = at &+ 1
                try charge(r.count)
                try pushSlice(.string, at: r.lowerBound, count: r.count)  // ASCII without escapes: the line is the text
            } else if try !pushEscapedLine(plainTo: at) {
                r = try readLine(scanningFrom: at)
                try charge(r.count)
                try pushEscapedText(r)
            }
            try putIfNext()
            return
        }
        // The last bytes of the input or frame: the general path.
        let r = try readLine()
        try charge(r.count)
        if Self.plainRun(base + r.lowerBound, r.count) == r.count {
            try pushSlice(.string, at: r.lowerBound, count: r.count)
        } else {
            try pushEscapedText(r)
        }
        try putIfNext()
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
    /// as UTF-8, and pushes it.
    ///
    /// Room: a literal byte becomes at most 2 bytes, an escape of 6 or 10 bytes at most 4, a
    /// backslash and the byte after it at most 3, so the output never passes twice the input
    /// read so far, and twice the line's length always suffices — also for the whole eight-byte
    /// words stored while at least eight input bytes remain.
    mutating func pushEscapedText(_ r: Range<Int>) throws(PickleError) {
        let start = st.heap.count
        if start + 2 * r.count > st.heap.capacity {
            // Room for this line, and when the heap must grow anyway, for the pickle's other escaped
            // lines too (up to 4 KiB more): growing by doubling from empty would copy it several times.
            st.heap.reserve(max(2 * r.count, min(input.count, 4096)))
        }
        let out = st.heap.base + start  // stays valid: nothing else appends to the heap here
        let all = base
        var o = 0
        var i = r.lowerBound
        let end = r.upperBound
        while i < end {
            if end &- i >= 8 {
                // ASCII other than a backslash, a word at a time; the word is stored whole, and the
                // bytes past the run are overwritten by what follows.
                let w = UnsafeRawPointer(all + i).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out + o).storeBytes(of: w, as: UInt64.self)
                let le = UInt64(littleEndian: w), x = le ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = (le | (x &- 0x0101_0101_0101_0101) & ~x) & 0x8080_8080_8080_8080
                if special == 0 {
                    i &+= 8
                    o &+= 8
                    continue
                }
                let run = special.trailingZeroBitCount &>> 3
                i &+= run
                o &+= run
            }
            let c = all[i]
            i &+= 1
            if c != 0x5C {
                // A literal byte is the code point of the same value (Latin-1).
                o &+= Self.putLatin1(c, out + o)
                continue
            }
            guard i < end else {
                out[o] = 0x5C  // a backslash ending the line stays
                o &+= 1
                break
            }
            let e = all[i]
            if e != 0x75 && e != 0x55 {
                // "\\x": both bytes literal (so "\\\\u" is no escape).
                out[o] = 0x5C
                o &+= 1 &+ Self.putLatin1(e, out + o + 1)
                i &+= 1
                continue
            }
            var v = try escapeValue(&i, end)
            if v >= 0xD800 && v <= 0xDFFF {
                // Only a high surrogate directly followed by an escaped low one makes a scalar.
                var low: UInt32 = 0
                if v <= 0xDBFF, end &- i >= 2, all[i] == 0x5C, all[i + 1] == 0x75 || all[i + 1] == 0x55 {
                    i &+= 1
                    low = try escapeValue(&i, end)
                }
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    try checkEscapes(i, end)  // an invalid escape later in the line is reported first
                    throw fail(.invalidText, "unpaired surrogate in string")
                }
                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
            }
            o &+= Self.putUTF8(v, out + o)
        }
        st.heap.count = start + o
        var node = PickleRawNode(tag: .string, payload: UInt64(start))
        node.inHeap = true
        node.count = UInt32(truncatingIfNeeded: o)
        try pushRaw(node)
    }

    /// The UNICODE line at `pos`, plain up to `at`, decoded while its newline is looked for: one pass
    /// instead of ``readLine(scanningFrom:)`` and ``pushEscapedText(_:)``. True when it was pushed.
    ///
    /// Only a line that decodes without error is taken: at an invalid escape, an unpaired surrogate
    /// or the frame's or input's end it returns false having changed nothing that counts (bytes past
    /// the heap's count), and the general path reads the line again and names the error.
    mutating func pushEscapedLine(plainTo at: Int) throws(PickleError) -> Bool {
        let start = st.heap.count
        let lineLimit = limit
        var room = st.heap.capacity - start
        if room < at - pos + 64 {
            // When the heap must grow anyway, room for the pickle's other escaped lines too (up to
            // 4 KiB): growing by doubling from empty would copy it several times.
            st.heap.reserve(max(at - pos + 64, min(input.count, 4096)))
            room = st.heap.capacity - start
        }
        var out = st.heap.base + start
        let all = base
        var o = at - pos
        out.update(from: all + pos, count: o)  // the plain start
        var i = at
        while true {
            // Room for what one step writes: a word, or at most 4 bytes.
            if o + 16 > room {
                st.heap.count = start + o  // the bytes so far move with the buffer
                st.heap.reserve(max(64, room))
                st.heap.count = start
                out = st.heap.base + start
                room = st.heap.capacity - start
            }
            if lineLimit &- i >= 8 {
                // ASCII other than a backslash or newline, a word at a time, stored whole (bytes past
                // the run are overwritten by what follows).
                let w = UnsafeRawPointer(all + i).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out + o).storeBytes(of: w, as: UInt64.self)
                let le = UInt64(littleEndian: w)
                let nl = le ^ 0x0A0A_0A0A_0A0A_0A0A, bs = le ^ 0x5C5C_5C5C_5C5C_5C5C
                let ones: UInt64 = 0x0101_0101_0101_0101
                let flags = (le | (nl &- ones) & ~nl | (bs &- ones) & ~bs) & 0x8080_8080_8080_8080
                if flags == 0 {
                    i &+= 8
                    o &+= 8
                    continue
                }
                let run = flags.trailingZeroBitCount &>> 3
                i &+= run
                o &+= run
            } else if i >= lineLimit {
                return false  // no newline inside the frame or input
            }
            let c = all[i]
            if c == 0x0A { break }
            i &+= 1
            if c != 0x5C {
                o &+= Self.putLatin1(c, out + o)  // a literal byte is the code point of the same value
                continue
            }
            guard i < lineLimit else { return false }
            let e = all[i]
            if e == 0x0A {
                out[o] = 0x5C  // a backslash ending the line stays
                o &+= 1
                break
            }
            if e != 0x75 && e != 0x55 {
                out[o] = 0x5C  // "\\x": both bytes literal
                o &+= 1 &+ Self.putLatin1(e, out + o + 1)
                i &+= 1
                continue
            }
            guard var v = escapeValueIfValid(&i, lineLimit) else { return false }
            if v >= 0xD800 && v <= 0xDFFF {
                // Only a high surrogate directly followed by an escaped low one makes a scalar.
                guard v <= 0xDBFF, lineLimit &- i >= 2, all[i] == 0x5C, all[i + 1] == 0x75 || all[i + 1] == 0x55 else {
                    return false
                }
                i &+= 1
                guard let low = escapeValueIfValid(&i, lineLimit), low >= 0xDC00 && low <= 0xDFFF else { return false }
                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
            }
            o &+= Self.putUTF8(v, out + o)
        }
        // `i` is at the newline: the line read, charged and pushed as the general path does.
        try charge(i - pos)
        st.heap.count = start + o
        var node = PickleRawNode(tag: .string, payload: UInt64(start))
        node.inHeap = true
        node.count = UInt32(truncatingIfNeeded: o)
        pos = i + 1
        try pushRaw(node)
        return true
    }

    /// The value of the escape whose `u` or `U` is at `i` when it is whole before `limit`, hex and at
    /// most U+10FFFF (`i` then moves past it); nil otherwise.
    @inline(__always)
    func escapeValueIfValid(_ i: inout Int, _ limit: Int) -> UInt32? {
        let digits = base[i] == 0x75 ? 4 : 8
        guard limit &- i > digits else { return nil }
        var v: UInt32 = 0
        for k in 1 ... digits {
            guard let h = Self.hexValue(base[i &+ k]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        guard v <= 0x10FFFF else { return nil }
        i &+= digits &+ 1
        return v
    }

    /// Writes Latin-1 byte `c` as UTF-8 at `out`; returns its length.
    @inline(__always)
    static func putLatin1(_ c: UInt8, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        if c < 0x80 {
            out[0] = c
            return 1
        }
        out[0] = 0xC0 | c >> 6
        out[1] = 0x80 | c & 0x3F
        return 2
    }

    /// The value of the `\uXXXX` or `\UXXXXXXXX` escape whose letter is at `i`; `i` moves past it.
    @inline(__always)
    func escapeValue(_ i: inout Int, _ end: Int) throws(PickleError) -> UInt32 {
        let digits = base[i] == 0x75 ? 4 : 8
        i &+= 1
        guard end &- i >= digits else { throw fail(.invalidText, "truncated \\u escape in UNICODE") }
        var v: UInt32 = 0
        for k in 0 ..< digits {
            guard let h = Self.hexValue(base[i &+ k]) else { throw fail(.invalidText, "bad \\u escape in UNICODE") }
            v = v << 4 | UInt32(h)
        }
        i &+= digits
        guard v <= 0x10FFFF else { throw fail(.invalidText, "\\U escape out of range in UNICODE") }
        return v
    }

    /// Checks the escapes of `i ..< end` only (after an unpaired surrogate, whose error comes last).
    func checkEscapes(_ from: Int, _ end: Int) throws(PickleError) {
        var i = from
        while i < end {
            let c = base[i]
            i &+= 1
            guard c == 0x5C, i < end else { continue }
            if base[i] == 0x75 || base[i] == 0x55 {
                _ = try escapeValue(&i, end)
            } else {
                i &+= 1  // "\\x": the byte after the backslash is literal
            }
        }
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
