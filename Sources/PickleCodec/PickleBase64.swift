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
    /// `groupTable[k * 256 + c]`: alphabet byte `c` at position `k` of a group, shifted into place
    /// (`value << (18 - 6k)`); bit 31 set for any other byte, so one OR finds a non-alphabet byte.
    static let groupTable: [UInt32] = {
        var t = [UInt32](repeating: 0x8000_0000, count: 4 * 256)
        for (i, c) in alphabet.enumerated() {
            for k in 0 ..< 4 { t[k * 256 + Int(c)] = UInt32(i) << UInt32(18 - 6 * k) }
        }
        return t
    }()
    /// `pairTable[c1 | c2 << 8]`: the 12 bits two alphabet bytes encode; bit 15 set for any other pair.
    /// 128 KiB, of which the 4,096 valid pairs touch about 12 KiB.
    static let pairTable: [UInt16] = {
        var t = [UInt16](repeating: 0x8000, count: 65536)
        for (i, a) in alphabet.enumerated() {
            for (j, b) in alphabet.enumerated() { t[Int(a) | Int(b) << 8] = UInt16(i << 6 | j) }
        }
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
        var failure: PickleError?
        let out: [UInt8] = text.withUnsafeBufferPointer { src in
            decodeTable.withUnsafeBufferPointer { t in
                // The text's length bounds the output; count alphabet bytes only when that bound is over the limit.
                var significant = src.count
                if significant / 4 * 3 > maxOutput {
                    significant = 0
                    for c in src where t[Int(c)] < 64 { significant += 1 }
                    guard significant / 4 * 3 <= maxOutput else {
                        failure = PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes")
                        return []
                    }
                }
                return [UInt8](unsafeUninitializedCapacity: significant / 4 * 3 + 3) { dst, initialized in
                    let result = groupTable.withUnsafeBufferPointer { g in
                        pairTable.withUnsafeBufferPointer { pairs in decodeGroups(src, t, g, pairs, into: dst) }
                    }
                    switch result {
                    case .success(let n): initialized = n
                    case .failure(let e): failure = e; initialized = 0
                    }
                }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// The decoding loop: whole 4-byte groups of alphabet bytes at a time, anything else byte by byte.
    ///
    /// `dst` holds at least (alphabet bytes in `src`) / 4 * 3 + 3 bytes.
    private static func decodeGroups(
        _ src: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>, _ g: UnsafeBufferPointer<UInt32>,
        _ pairs: UnsafeBufferPointer<UInt16>, into dst: UnsafeMutableBufferPointer<UInt8>
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
                // Two groups per step, 8 bytes stored and 6 kept (the last step's spare bytes land in
                // the 3 bytes `dst` holds beyond the output, or are overwritten by the next step).
                let text = UnsafeRawPointer(src.baseAddress!)
                // Whole 76-column lines as `base64.encodebytes` writes them: nine 8-character steps, one
                // group and the newline, without the failed steps the loops below take at each line end.
                lines: while i &+ 77 <= n && src[i &+ 76] == 0x0A {
                    var step = 0
                    while step < 9 {
                        let w = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: i &+ step &* 8, as: UInt64.self))
                        let a = pairs[Int(w & 0xFFFF)], b = pairs[Int(w >> 16 & 0xFFFF)]
                        let c = pairs[Int(w >> 32 & 0xFFFF)], d = pairs[Int(w >> 48)]
                        guard (a | b | c | d) & 0x8000 == 0 else { break lines }
                        let v = UInt64(a) << 52 | UInt64(b) << 40 | UInt64(c) << 28 | UInt64(d) << 16
                        out.storeBytes(of: v.bigEndian, toByteOffset: o &+ step &* 6, as: UInt64.self)
                        step &+= 1
                    }
                    let e = pairs[Int(src[i &+ 72]) | Int(src[i &+ 73]) << 8]
                    let f = pairs[Int(src[i &+ 74]) | Int(src[i &+ 75]) << 8]
                    guard (e | f) & 0x8000 == 0 else { break }
                    // 4 bytes stored, 3 kept (see the group loop below).
                    out.storeBytes(of: (UInt32(e) << 20 | UInt32(f) << 8).bigEndian, toByteOffset: o &+ 54, as: UInt32.self)
                    o &+= 57
                    i &+= 77
                }
                while i &+ 8 <= n {
                    // Eight characters as four pairs, 12 bits each.
                    let w = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let a = pairs[Int(w & 0xFFFF)], b = pairs[Int(w >> 16 & 0xFFFF)]
                    let c = pairs[Int(w >> 32 & 0xFFFF)], d = pairs[Int(w >> 48)]
                    guard (a | b | c | d) & 0x8000 == 0 else { break }
                    let v = UInt64(a) << 52 | UInt64(b) << 40 | UInt64(c) << 28 | UInt64(d) << 16
                    out.storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt64.self)
                    o &+= 6
                    i &+= 8
                }
                while i &+ 4 <= n {
                    let v = g[Int(src[i])] | g[256 &+ Int(src[i &+ 1])] | g[512 &+ Int(src[i &+ 2])] | g[768 &+ Int(src[i &+ 3])]
                    // Whitespace, `=` and invalid bytes set bit 31: the byte-wise loop below handles them.
                    guard v & 0x8000_0000 == 0 else { break }
                    // 4 bytes stored, 3 kept: group k writes o ... o + 3 with o = 3k, and `dst` holds
                    // 3 * (groups) + 3 bytes, so the spare byte is in bounds and overwritten or ignored.
                    out.storeBytes(of: (v << 8).bigEndian, toByteOffset: o, as: UInt32.self)
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
