/// A dict key's equality class, as Python's `==`/`hash` see it, read from storage without copying.
///
/// `True == 1 == 1.0`, and a Python 2 ASCII `str` equals the same `unicode`.
/// Other keys (tuples, objects, NaN, ...) get no view: they are never merged.
/// Text compares by code points (its UTF-8 bytes), as Python does, not by
/// Swift's canonical equivalence: `"é"` and `"e\u{301}"` are two keys.
/// The pointer is valid only while the buffers it points into are not mutated.
struct PickleKeyView {
    enum Kind: UInt8 { case none, int, float, text, py2Bytes, bytes, bigInt }

    var kind: Kind
    /// The int value (bools and integral floats included) or the float's bits.
    var number: UInt64 = 0
    /// Text and byte kinds: the bytes.
    var bytes: UnsafePointer<UInt8>?
    var count: Int = 0

    @inline(__always)
    func equals(_ other: PickleKeyView) -> Bool {
        guard kind == other.kind, number == other.number, count == other.count else { return false }
        guard count > 0, let a = bytes, let b = other.bytes else { return true }
        if a == b { return true }
        for i in 0 ..< count where a[i] != b[i] { return false }
        return true
    }

    /// 8 bits from the kind, number, length and three of the bytes: equal keys have equal fingerprints.
    @inline(__always)
    var fingerprint: Int {
        var h = UInt64(kind.rawValue) &* 0x9E37_79B9_7F4A_7C15 ^ number ^ UInt64(count) &* 0x1F
        if count > 0, let b = bytes {
            h = (h &* 31 &+ UInt64(b[0])) &* 31 &+ UInt64(b[count - 1])
            h = h &* 31 &+ UInt64(b[count >> 1])
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 56)
    }

    func hash(seed: Hasher) -> Int {
        var h = seed
        h.combine(kind.rawValue)
        h.combine(number)
        if let bytes, count > 0 { h.combine(bytes: UnsafeRawBufferPointer(start: bytes, count: count)) }
        return h.finalize()
    }

    /// The double equal to a big int (little-endian two's complement), when one is exactly equal.
    static func exactDouble(twosComplement p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        guard n > 0, n <= 129 else { return nil }  // 2**1024 and beyond overflow a double
        let negative = p[n - 1] & 0x80 != 0
        // Magnitude, little-endian.
        var magnitude = [UInt8](repeating: 0, count: n)
        var carry: UInt16 = 1
        for i in 0 ..< n {
            if negative {
                let v = UInt16(~p[i]) + carry
                magnitude[i] = UInt8(truncatingIfNeeded: v)
                carry = v >> 8
            } else {
                magnitude[i] = p[i]
            }
        }
        guard let top = magnitude.lastIndex(where: { $0 != 0 }), let bottom = magnitude.firstIndex(where: { $0 != 0 }) else { return 0 }
        let high = top * 8 + (7 - magnitude[top].leadingZeroBitCount)
        let low = bottom * 8 + magnitude[bottom].trailingZeroBitCount
        guard high - low < 53, high < 1024 else { return nil }
        var significand: UInt64 = 0
        for bit in stride(from: high, through: low, by: -1) {
            significand = significand << 1 | UInt64(magnitude[bit / 8] >> UInt8(bit % 8) & 1)
        }
        let value = Double(sign: negative ? .minus : .plus, exponent: low, significand: Double(significand))
        return value
    }
}

/// A 256-bit set of key fingerprints: a new key of a small dict is compared with the others
/// only when its fingerprint was seen (not cryptographic; the scan it guards is bounded).
struct PickleKeyBloom {
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// Adds `f` (0 ..< 256); returns whether it was there already.
    @inline(__always)
    mutating func insert(_ f: Int) -> Bool {
        let bit = UInt64(1) << UInt64(f & 63)
        let seen: Bool
        switch f >> 6 {
        case 0: seen = w0 & bit != 0; w0 |= bit
        case 1: seen = w1 & bit != 0; w1 |= bit
        case 2: seen = w2 & bit != 0; w2 |= bit
        default: seen = w3 & bit != 0; w3 |= bit
        }
        return seen
    }
}

/// Open-addressing index of a large dict's keys (pair positions), for repeated-key merging.
struct PickleKeyTable {
    /// Pair position + 1; 0 is empty. Power-of-two size, at most half full.
    var slots: [Int] = []
    var used = 0
    /// Hasher's per-process random seed: an attacker cannot precompute colliding keys.
    var seed = Hasher()
}
