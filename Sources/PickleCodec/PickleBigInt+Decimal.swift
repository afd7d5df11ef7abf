/// Conversions between pickle's two's-complement integers and decimal text.
///
/// Schoolbook base-10⁹ arithmetic: quadratic, which is why integer sizes are
/// bounded by ``PickleLimits/maxIntegerDigits`` before any conversion.
extension PickleBigInt {
    /// The minimal two's-complement form of `value`.
    public init(_ value: Int64) {
        self.init(normalizing: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    /// Strips redundant sign bytes (0 is the empty array, as CPython's `encode_long(0)`).
    public init(normalizing bytes: [UInt8]) {
        var b = bytes
        while let last = b.last {
            if b.count == 1 {
                if last == 0 { b.removeLast() }
                break
            }
            let prev = b[b.count - 2]
            if (last == 0x00 && prev & 0x80 == 0) || (last == 0xFF && prev & 0x80 != 0) {
                b.removeLast()
            } else {
                break
            }
        }
        self.init(twosComplement: b)
    }

    /// True when the value is below zero.
    public var isNegative: Bool { (twosComplement.last ?? 0) & 0x80 != 0 }

    /// The value as `Int64`, if it fits.
    public var int64: Int64? {
        guard twosComplement.count <= 8 else { return nil }
        if twosComplement.isEmpty { return 0 }
        var u: UInt64 = isNegative ? ~0 : 0
        for (i, byte) in twosComplement.enumerated() {
            u &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            u |= UInt64(byte) << (8 * UInt64(i))
        }
        return Int64(bitPattern: u)
    }

    /// Magnitude as little-endian bytes.
    var magnitudeBytes: [UInt8] {
        guard isNegative else { return twosComplement }
        var out = twosComplement.map { ~$0 }
        var carry = true
        for i in out.indices where carry {
            let (v, o) = out[i].addingReportingOverflow(1)
            out[i] = v
            carry = o
        }
        if carry { out.append(1) }
        return out
    }

    /// Exact decimal digits, with a leading `-` when negative.
    public var decimalString: String {
        let mag = magnitudeBytes
        var limbs: [UInt32] = []
        limbs.reserveCapacity(mag.count / 4 + 1)
        var i = 0
        while i < mag.count {
            var limb: UInt32 = 0
            for k in 0 ..< 4 where i + k < mag.count { limb |= UInt32(mag[i + k]) << (8 * UInt32(k)) }
            limbs.append(limb)
            i += 4
        }
        while limbs.last == 0 { limbs.removeLast() }
        if limbs.isEmpty { return "0" }
        var chunks: [UInt32] = []  // base 10^9, least significant first
        while !limbs.isEmpty {
            var remainder: UInt64 = 0
            for j in stride(from: limbs.count - 1, through: 0, by: -1) {
                let cur = remainder << 32 | UInt64(limbs[j])
                limbs[j] = UInt32(cur / 1_000_000_000)
                remainder = cur % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
            while limbs.last == 0 { limbs.removeLast() }
        }
        var s = isNegative ? "-" : ""
        s += String(chunks.last!)
        for chunk in chunks.dropLast().reversed() {
            let part = String(chunk)
            s += String(repeating: "0", count: 9 - part.count) + part
        }
        return s
    }

    /// Parses `[+-]digits` (ASCII digits only, no spaces or underscores); nil otherwise.
    public init?(decimal: String) {
        var utf8 = Substring(decimal).utf8[...]
        var negative = false
        if let f = utf8.first, f == 0x2D || f == 0x2B {
            negative = f == 0x2D
            utf8 = utf8.dropFirst()
        }
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(digits: Array(utf8), negative: negative)
    }

    /// The integer of ASCII decimal `digits` (checked by the caller), negated when `negative`.
    init<C: RandomAccessCollection>(digits: C, negative: Bool) where C.Element == UInt8, C.Index == Int {
        var limbs: [UInt32] = []  // base 2^32, least significant first
        var start = 0
        let firstChunk = digits.count % 9 == 0 ? 9 : digits.count % 9
        var chunkLength = firstChunk
        while start < digits.count {
            var chunk: UInt32 = 0
            var scale: UInt64 = 1
            for k in start ..< start + chunkLength {
                chunk = chunk * 10 + UInt32(digits[digits.startIndex + k] - 0x30)
                scale *= 10
            }
            var carry = UInt64(chunk)
            for j in limbs.indices {
                let cur = UInt64(limbs[j]) * scale + carry
                limbs[j] = UInt32(truncatingIfNeeded: cur)
                carry = cur >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
            start += chunkLength
            chunkLength = 9
        }
        var mag: [UInt8] = []
        for limb in limbs { for k in 0 ..< 4 { mag.append(UInt8(truncatingIfNeeded: limb >> (8 * UInt32(k)))) } }
        mag.append(0)  // room for the sign bit
        if negative {
            var out = mag.map { ~$0 }
            var carry = true
            for i in out.indices where carry {
                let (v, o) = out[i].addingReportingOverflow(1)
                out[i] = v
                carry = o
            }
            mag = out
        }
        self.init(normalizing: mag)
    }
}
