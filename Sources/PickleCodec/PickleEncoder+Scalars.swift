#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte forms of scalar values, shared by the text and binary picklers.
extension PickleEncoder {
    /// Minimal little-endian two's complement of `v`, as CPython's `encode_long` writes it.
    static func twosComplement(_ v: Int64) -> [UInt8] {
        var out: [UInt8] = []
        var x = v
        for _ in 0..<8 {
            out.append(UInt8(truncatingIfNeeded: x))
            x >>= 8
        }
        return minimized(out)
    }

    /// Drops redundant sign bytes from a little-endian two's complement number.
    static func minimized(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        while b.count > 1 {
            let last = b[b.count - 1], prev = b[b.count - 2]
            if (last == 0x00 && prev & 0x80 == 0) || (last == 0xFF && prev & 0x80 != 0) {
                b.removeLast()
            } else {
                break
            }
        }
        if b.count == 1 && b[0] == 0 { return [] }
        return b
    }

    /// The value of a little-endian two's complement number if it fits in 64 bits.
    static func int64(twosComplement b: [UInt8]) -> Int64? {
        let m = minimized(b)
        guard m.count <= 8 else { return nil }
        guard let last = m.last else { return 0 }
        var v: UInt64 = last & 0x80 != 0 ? ~0 : 0
        for byte in m.reversed() {
            v = v << 8 | UInt64(byte)
        }
        return Int64(bitPattern: v)
    }

    /// Little-endian two's complement of a non-negative big-endian magnitude (for `UUID.int`).
    static func twosComplement(unsignedBigEndian be: [UInt8]) -> [UInt8] {
        var le = Array(be.reversed())
        le.append(0)
        return minimized(le)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Python 2's `repr(str)`: single quotes unless the bytes hold `'` and no `"`; `\t \n \r \\` and
    /// the quote escaped, other bytes outside 0x20...0x7E as `\xNN`.
    static func python2Repr(_ bytes: [UInt8]) -> [UInt8] {
        let quote: UInt8 = bytes.contains(UInt8(ascii: "'")) && !bytes.contains(UInt8(ascii: "\""))
            ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        var out: [UInt8] = [quote]
        out.reserveCapacity(bytes.count + 2)
        for c in bytes {
            switch c {
            case quote, UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x20..<0x7F: out.append(c)
            default:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "x"))
                out.append(hexDigits[Int(c >> 4)]); out.append(hexDigits[Int(c & 15)])
            }
        }
        out.append(quote)
        return out
    }

    /// Python 2 `cPickle`'s UNICODE argument (wide build): raw-unicode-escape with `\` and
    /// newline also escaped; code points below 256 as single Latin-1 bytes.
    static func python2RawUnicodeEscape(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let ch = scalar.value
            if ch >= 0x10000 {
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "U"))
                for shift in stride(from: 28, through: 0, by: -4) { out.append(hexDigits[Int(ch >> UInt32(shift) & 15)]) }
            } else if ch >= 256 || ch == 0x5C || ch == 0x0A {
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "u"))
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int(ch >> UInt32(shift) & 15)]) }
            } else {
                out.append(UInt8(ch))
            }
        }
        return out
    }

    /// Python 2 `cPickle`'s FLOAT argument: `PyOS_double_to_string(x, 'g', 17, 0)`, i.e. C's `%.17g`
    /// with `inf`, `-inf` and `nan` spelled as Python spells them.
    static func percent17g(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var buffer = [CChar](repeating: 0, count: 40)
        let n = withVaList([d]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 40, "%.17g", args) }
        }
        return String(decoding: buffer[0..<Int(max(0, n))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `datetime.date` state: year (2 bytes, big-endian), month, day.
    static func dateState(_ d: PickleDate) throws(PickleError) -> [UInt8] {
        guard (0...0xFFFF).contains(d.year), (0...0x7F).contains(d.month), (0...0xFF).contains(d.day) else {
            throw PickleError(.unencodable, detail: "date field out of range")
        }
        return [UInt8(d.year >> 8), UInt8(d.year & 0xFF), UInt8(d.month), UInt8(d.day)]
    }

    /// `datetime.time` state without the date: hour (+128 for fold), minute, second, microsecond (3 bytes).
    static func timeState(_ t: PickleTime) throws(PickleError) -> [UInt8] {
        guard (0...0x7F).contains(t.hour), (0...0xFF).contains(t.minute), (0...0xFF).contains(t.second),
              (0...0xFF_FFFF).contains(t.microsecond) else {
            throw PickleError(.unencodable, detail: "time field out of range")
        }
        let us = t.microsecond
        return [UInt8(t.hour), UInt8(t.minute), UInt8(t.second),
                UInt8(us >> 16), UInt8(us >> 8 & 0xFF), UInt8(us & 0xFF)]
    }

    /// `datetime.time` state; the fold bit rides on the hour byte (protocol 4 and up only).
    static func timeOnlyState(_ t: PickleTime, withFold: Bool) throws(PickleError) -> [UInt8] {
        var s = try timeState(t)
        if withFold && t.fold != 0 { s[0] |= 0x80 }
        return s
    }

    /// `datetime.datetime` state; the fold bit rides on the month byte (protocol 4 and up only).
    static func dateTimeState(_ dt: PickleDateTime, withFold: Bool) throws(PickleError) -> [UInt8] {
        var s = try dateState(dt.date)
        if withFold && dt.time.fold != 0 { s[2] |= 0x80 }
        s.append(contentsOf: try timeState(dt.time))
        return s
    }

    /// The Latin-1 str whose code points are `bytes` (how protocol 2 smuggles bytes through `_codecs.encode`).
    static func latin1String(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// GLOBAL carries module and name as lines: neither may be empty or hold a newline.
    static func checkGlobalLine(_ g: PickleGlobal) throws(PickleError) {
        if g.module.isEmpty || g.name.isEmpty || g.module.utf8.contains(0x0A) || g.name.utf8.contains(0x0A) {
            throw PickleError(.unencodable, detail: "class name not writable as a GLOBAL line")
        }
    }

    /// The module/name pair protocol 2 and Python 2 write (CPython's `fix_imports`).
    static func python2Global(_ g: PickleGlobal) -> PickleGlobal {
        switch (g.module, g.name) {
        case ("builtins", "str"): return PickleGlobal(module: "__builtin__", name: "unicode")
        case ("builtins", "range"): return PickleGlobal(module: "__builtin__", name: "xrange")
        case ("builtins", _): return PickleGlobal(module: "__builtin__", name: g.name)
        case ("copyreg", _): return PickleGlobal(module: "copy_reg", name: g.name)
        default: return g
        }
    }
}
