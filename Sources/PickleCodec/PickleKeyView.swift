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
    var fingerprint: Int { Self.fingerprint(kind: kind, number: number, bytes: bytes, count: count) }

    /// The fingerprint of the view with these parts (``fingerprint``), for callers that have not built the view.
    @inline(__always)
    static func fingerprint(kind: Kind, number: UInt64, bytes: UnsafePointer<UInt8>?, count: Int) -> Int {
        // The parts land on separate bits, and one multiply mixes them all into the top byte.
        var h = number ^ UInt64(kind.rawValue) << 56 ^ UInt64(truncatingIfNeeded: count) << 24
        if count > 0, let b = bytes {
            h ^= UInt64(b[0]) | UInt64(b[count - 1]) << 8 | UInt64(b[count >> 1]) << 16
        }
        return Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> 56)
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
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Adds `f` (0 ..< 256); returns whether it was there already.
    @inline(__always)
    mutating func insert(_ f: Int) -> Bool {
        let bit = UInt64(1) << UInt64(f & 63)
        // The word is indexed, not switched on: fingerprints are random, a branch on them mispredicts.
        return withUnsafeMutableBytes(of: &words) { w in
            let at = (f >> 6 & 3) &* 8
            let old = w.load(fromByteOffset: at, as: UInt64.self)
            w.storeBytes(of: old | bit, toByteOffset: at, as: UInt64.self)
            return old & bit != 0
        }
    }
}

/// The fingerprints of the two small dicts filled last, kept for their next SETITEM
/// (two, as protocol 0 fills a nested dict between two SETITEMs of its parent).
struct PickleKeyFilters {
    struct Entry {
        /// The dict's node (32 bits keep the entries small); initially none (any dict with no keys fits).
        var node = UInt32.max
        /// Its number of keys when kept: a different number means keys were added since.
        var count: UInt32 = 0
        var bloom = PickleKeyBloom()
    }

    var recent = Entry()
    var previous = Entry()

    /// The fingerprints kept for dict `node` when it still has `count` keys.
    @inline(__always)
    func bloom(node: Int, count: Int) -> PickleKeyBloom? {
        guard let node = UInt32(exactly: node) else { return nil }
        let count = UInt32(truncatingIfNeeded: count)
        if recent.node == node { return recent.count == count ? recent.bloom : nil }
        if previous.node == node, previous.count == count { return previous.bloom }
        return nil
    }

    /// Keeps the fingerprints of dict `node`, now with `count` keys.
    @inline(__always)
    mutating func keep(node: Int, count: Int, bloom: PickleKeyBloom) {
        guard let node = UInt32(exactly: node) else { return }  // not kept: a later lookup rebuilds
        if recent.node != node { previous = recent }
        recent = Entry(node: node, count: UInt32(truncatingIfNeeded: count), bloom: bloom)
    }
}

/// Open-addressing index of a large dict's keys (pair positions) or a large set's elements,
/// for repeated-key merging.
struct PickleKeyTable {
    /// Pair (element) position + 1; 0 is empty. Power-of-two size, at most half full.
    var slots: [Int] = []
    var used = 0
    /// Entries of the container indexed so far (the scanning path may add more after it).
    var covered = 0
    /// Hasher's per-process random seed: an attacker cannot precompute colliding keys.
    var seed = Hasher()
}
