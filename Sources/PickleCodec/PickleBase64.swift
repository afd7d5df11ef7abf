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
    /// `pairTable[c1 | c2 << 8]`: the 12 bits two alphabet bytes encode, or -1 for any other pair.
    /// 128 KiB, of which the 4,096 valid pairs touch about 12 KiB. Read sign-extended, -1 sets every
    /// bit above a pair's place, so pairs combined by shift and OR are negative if any pair was invalid.
    static let pairTable: [Int16] = {
        var t = [Int16](repeating: -1, count: 65536)
        for (i, a) in alphabet.enumerated() {
            for (j, b) in alphabet.enumerated() { t[Int(a) | Int(b) << 8] = Int16(i << 6 | j) }
        }
        return t
    }()
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// True when every non-whitespace byte is in the alphabet or `=`.
    static func looksLikeBase64(_ text: [UInt8]) -> Bool {
        text.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return true }
            return decodeTable.withUnsafeBufferPointer { t in
                pairTable.withUnsafeBufferPointer { pairs in
                    let text = UnsafeRawPointer(base), table = pairs.baseAddress!
                    let n = src.count
                    var i = 0
                    while i < n {
                        // A 76-column line of alphabet bytes at once; anything else 8 alphabet bytes at a
                        // time, or one byte, which alone decides.
                        let end = min(i &+ 77, n)
                        if end &- i == 77 && src[i &+ 76] == 0x0A && lineIsAlphabet(text + i, table) {
                            i = end
                            continue
                        }
                        while i < end {
                            if i &+ 8 <= end && pairsOr(text + i, 4, table) >= 0 {
                                i &+= 8
                            } else {
                                guard t[Int(src[i])] != 0xFF else { return false }
                                i &+= 1
                            }
                        }
                    }
                    return true
                }
            }
        }
    }

    /// True when the 76 characters at `p` are all alphabet bytes: 38 pairs, one check.
    @inline(__always)
    private static func lineIsAlphabet(_ p: UnsafeRawPointer, _ table: UnsafePointer<Int16>) -> Bool {
        var any = pairsOr(p, 2, table)
        for k in 0 ..< 9 { any |= pairsOr(p + 4 + 8 * k, 4, table) }
        return any >= 0
    }

    /// The `count` character pairs at `p` ORed: negative if any byte is not in the alphabet.
    @inline(__always)
    private static func pairsOr(_ p: UnsafeRawPointer, _ count: Int, _ table: UnsafePointer<Int16>) -> Int16 {
        var any: Int16 = 0
        for k in 0 ..< count { any |= table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))] }
        return any
    }

    /// Decodes text with any whitespace (line breaks included) between groups.
    ///
    /// Padding is optional at the very end; anything after `=` but whitespace is an error.
    /// - Parameter maxOutput: decoded-size bound, checked before allocating.
    /// - Throws: `.invalidBase64` with the offending byte's offset, `.limitExceeded`.
    static func decode(_ text: [UInt8], maxOutput: Int) throws(PickleError) -> [UInt8] {
        var failure: PickleError?
        var out: [UInt8] = []
        text.withUnsafeBufferPointer { src in
            decodeTable.withUnsafeBufferPointer { t in
                // The text's length bounds the output; count alphabet bytes only when that bound is over the limit.
                var significant = src.count
                if significant / 4 * 3 > maxOutput {
                    significant = 0
                    for c in src where t[Int(c)] < 64 { significant += 1 }
                    guard significant / 4 * 3 <= maxOutput else {
                        failure = PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes")
                        return
                    }
                }
                out.reserveCapacity(significant / 4 * 3 + spareOutput)
                pairTable.withUnsafeBufferPointer { pairs in
                    withUnsafeMutablePointer(to: &failure) { failure in
                        out.append(contentsOf: Decoding(src: src, t: t, pairs: pairs, failure: failure))
                    }
                }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// The decoded bytes, written by `decodeGroups` straight into the spare capacity of the array
    /// they are appended to; a failure leaves nothing appended.
    ///
    /// So the array comes from `reserveCapacity`, which the compiler specializes for `UInt8`:
    /// `Array(unsafeUninitializedCapacity:)` allocates through a generic standard-library path
    /// that checks the element type at run time, about 400 instructions a call.
    private struct Decoding: Sequence {
        let src: UnsafeBufferPointer<UInt8>
        let t: UnsafeBufferPointer<UInt8>
        let pairs: UnsafeBufferPointer<Int16>
        let failure: UnsafeMutablePointer<PickleError?>

        func makeIterator() -> EmptyCollection<UInt8>.Iterator { EmptyCollection.Iterator() }

        /// Decodes into `dst` (the array's spare capacity, at least the size reserved).
        func _copyContents(
            initializing dst: UnsafeMutableBufferPointer<UInt8>
        ) -> (EmptyCollection<UInt8>.Iterator, Int) {
            switch decodeGroups(src, t, pairs, into: dst) {
            case .success(let n): return (EmptyCollection.Iterator(), n)
            case .failure(let e): failure.pointee = e; return (EmptyCollection.Iterator(), 0)
            }
        }
    }

    /// Bytes `dst` holds beyond the output: a whole line's stores land before its one check finds
    /// a bad byte, up to 57 bytes from the output's end (see `decodeLine`).
    static let spareOutput = 57

    /// The decoding loop: whole lines and 4-byte groups of alphabet bytes at a time, anything else byte by byte.
    ///
    /// `dst` holds at least (alphabet bytes in `src`) / 4 * 3 + `spareOutput` bytes.
    private static func decodeGroups(
        _ src: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>,
        _ pairs: UnsafeBufferPointer<Int16>, into dst: UnsafeMutableBufferPointer<UInt8>
    ) -> Result<Int, PickleError> {
        let n = src.count
        var o = 0
        var i = 0
        var acc: UInt32 = 0
        var count = 0
        var padding = 0
        var padStart = 0
        while i < n {
            if count == 0 && padding == 0 {
                // Wrapping arithmetic: i < n and o < dst.count, far from overflow.
                let out = UnsafeMutableRawPointer(dst.baseAddress!)
                let text = UnsafeRawPointer(src.baseAddress!)
                let table = pairs.baseAddress!
                // Whole 76-column lines as `base64.encodebytes` writes them, without the failed steps
                // the loops below take at each line end. A line with any other byte is left to them.
                if i &+ 77 <= n {
                    // Pointers, not indices: nothing but them is carried from line to line.
                    var p = text + i, q = out + o
                    let last = text + (n &- 77)
                    while p <= last && p.load(fromByteOffset: 76, as: UInt8.self) == 0x0A && decodeLine(p, table, into: q) {
                        p += 77
                        q += 57
                    }
                    i = p - text
                    o = q - out
                }
                while i &+ 8 <= n {
                    let v = decodeEight(text + i, table)
                    guard v >= 0 else { break }
                    // 8 bytes stored, 6 kept (the spare bytes are overwritten by the next step or ignored).
                    out.storeBytes(of: UInt64(bitPattern: v &<< 16).bigEndian, toByteOffset: o, as: UInt64.self)
                    o &+= 6
                    i &+= 8
                }
                while i &+ 4 <= n {
                    let v = decodeFour(text + i, table)
                    // Whitespace, `=` and invalid bytes make it negative: the byte-wise loop below handles them.
                    guard v >= 0 else { break }
                    // 4 bytes stored, 3 kept: group k writes o ... o + 3 with o = 3k, and `dst` holds
                    // 3 * (groups) + `spareOutput` bytes, so the spare byte is in bounds and overwritten or ignored.
                    out.storeBytes(of: UInt32(truncatingIfNeeded: v &<< 8).bigEndian, toByteOffset: o, as: UInt32.self)
                    o &+= 3
                    i &+= 4
                }
                if i >= n { break }
            }
            let offset = i
            let v = t[Int(src[i])]
            i += 1
            if v < 64 {
                guard padding == 0 else {
                    return .failure(PickleError(.invalidBase64, offset: offset, detail: "data after padding"))
                }
                acc = acc << 6 | UInt32(v)
                count += 1
                if count == 4 {
                    dst[o] = UInt8(truncatingIfNeeded: acc >> 16)
                    dst[o + 1] = UInt8(truncatingIfNeeded: acc >> 8)
                    dst[o + 2] = UInt8(truncatingIfNeeded: acc)
                    o += 3
                    acc = 0
                    count = 0
                }
            } else if v == 0xFE {
                continue
            } else if v == 0xFD {
                if padding == 0 { padStart = offset }
                padding += 1
                guard count >= 2, count + padding <= 4 else {
                    return .failure(PickleError(.invalidBase64, offset: offset, detail: "misplaced padding"))
                }
            } else {
                return .failure(PickleError(.invalidBase64, offset: offset, detail: "byte outside the base64 alphabet"))
            }
        }
        if padding > 0 && count + padding != 4 {
            return .failure(PickleError(.invalidBase64, offset: padStart, detail: "incomplete padding"))
        }
        switch count {
        case 0: break
        case 1: return .failure(PickleError(.invalidBase64, offset: n, detail: "truncated base64 group"))
        case 2:
            dst[o] = UInt8(truncatingIfNeeded: acc >> 4)
            o += 1
        default:
            dst[o] = UInt8(truncatingIfNeeded: acc >> 10)
            dst[o + 1] = UInt8(truncatingIfNeeded: acc >> 2)
            o += 2
        }
        return .success(o)
    }

    /// Decodes a 76-character line at `p` (no line end) into 57 bytes at `q`; false if a byte is not in the alphabet.
    ///
    /// Stores first and checks once, so it writes `q ..< q + 57` even when it returns false.
    @inline(__always)
    private static func decodeLine(
        _ p: UnsafeRawPointer, _ table: UnsafePointer<Int16>, into q: UnsafeMutableRawPointer
    ) -> Bool {
        // One 4-character group, then nine 8-character steps, stored last to first: a step's 8 bytes
        // start with two zero bytes (no shift to drop them), which the step or group before overwrites.
        var bad: Int64 = 0
        for k in (0 ..< 9).reversed() {
            let v = decodeEight(p + 4 + 8 * k, table)
            bad |= v
            q.storeBytes(of: UInt64(bitPattern: v).bigEndian, toByteOffset: 6 * k + 1, as: UInt64.self)
        }
        // The group's 3 bytes exactly, so nothing before `q` is touched.
        let v = decodeFour(p, table)
        q.storeBytes(of: UInt16(truncatingIfNeeded: v &>> 8).bigEndian, as: UInt16.self)
        q.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: 2, as: UInt8.self)
        return bad | v >= 0
    }

    /// Eight characters at `p` as 48 bits, or a negative value if one is not an alphabet byte.
    @inline(__always)
    private static func decodeEight(_ p: UnsafeRawPointer, _ table: UnsafePointer<Int16>) -> Int64 {
        pair(p, table) &<< 36 | pair(p + 2, table) &<< 24 | pair(p + 4, table) &<< 12 | pair(p + 6, table)
    }

    /// Four characters at `p` as 24 bits, or a negative value if one is not an alphabet byte.
    @inline(__always)
    private static func decodeFour(_ p: UnsafeRawPointer, _ table: UnsafePointer<Int16>) -> Int64 {
        pair(p, table) &<< 12 | pair(p + 2, table)
    }

    /// Two characters at `p` as 12 bits, or -1 if one is not an alphabet byte.
    @inline(__always)
    private static func pair(_ p: UnsafeRawPointer, _ table: UnsafePointer<Int16>) -> Int64 {
        Int64(table[Int(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))])
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
