import Testing
import PickleCodec

/// The opcode loop's in-place paths (LONG1/LONG4 read without a byte array, BINFLOAT as one load,
/// the opcode budget counted down) must give the values, charges and errors of the general paths:
/// PickleBigInt(normalizing:) for longs, the opcode at the limit's offset for maxOpcodes.
@Suite struct DecoderOpcodeLoopTests {
    static func le32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }

    /// What the general path makes of a long's bytes: an int when it fits 64 bits, else a big int.
    static func general(_ bytes: [UInt8]) -> PickleNode {
        let big = PickleBigInt(normalizing: bytes)
        if let small = big.int64 { return .int(small) }
        return .bigInt(big)
    }

    /// Byte strings for longs: every length to 20, with sign bytes that normalize away and ones that do not.
    static var longCases: [[UInt8]] {
        var cases: [[UInt8]] = []
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for n in 0 ... 20 {
            for top: UInt8 in [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE] {
                for below: UInt8 in [0x00, 0xFF, 0x7F, 0x80] {
                    var b = (0 ..< n).map { _ -> UInt8 in
                        x ^= x << 13; x ^= x >> 7; x ^= x << 17
                        return UInt8(truncatingIfNeeded: x)
                    }
                    if n >= 2 { b[n - 2] = below }
                    if n >= 1 { b[n - 1] = top }
                    cases.append(b)
                }
            }
            cases.append([UInt8](repeating: 0, count: n))
            cases.append([UInt8](repeating: 0xFF, count: n))
        }
        return cases
    }

    @Test func long1MatchesGeneralPath() throws {
        let decoder = PickleDecoder()
        for bytes in Self.longCases {
            let doc = try decoder.decode(pickle: [0x80, 0x04, 0x8A, UInt8(bytes.count)] + bytes + [0x2E])
            #expect(doc[doc.root] == Self.general(bytes), "LONG1 \(bytes)")
        }
    }

    @Test func long4MatchesGeneralPath() throws {
        let decoder = PickleDecoder()
        for bytes in Self.longCases {
            let doc = try decoder.decode(pickle: [0x80, 0x04, 0x8B] + Self.le32(bytes.count) + bytes + [0x2E])
            #expect(doc[doc.root] == Self.general(bytes), "LONG4 \(bytes)")
        }
    }

    /// A memoized long read back by BINGET is the same value (the record points at the right heap bytes).
    @Test func longsSideBySideKeepTheirBytes() throws {
        let a: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x00]
        let b: [UInt8] = [0xF0, 0xE0, 0xD0, 0xC0, 0xB0, 0xA0, 0x90, 0x80, 0x81]
        // MARK, LONG1 a, MEMOIZE, LONG1 b, BINGET 0, LIST, STOP
        let pickle: [UInt8] = [0x80, 0x04, 0x28, 0x8A, UInt8(a.count)] + a + [0x94, 0x8A, UInt8(b.count)] + b
            + [0x68, 0x00, 0x6C, 0x2E]
        let doc = try PickleDecoder().decode(pickle: pickle)
        guard case .list(let refs) = doc[doc.root] else { Issue.record("not a list"); return }
        #expect(refs.map { doc[$0] } == [Self.general(a), Self.general(b), Self.general(a)])
    }

    /// The charge is the general path's: the long's bytes plus 16 for its record, at the opcode's offset.
    @Test func longChargesAsBefore() throws {
        for bytes: [UInt8] in [[], [5], [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]] {
            let pickle: [UInt8] = [0x80, 0x04, 0x8A, UInt8(bytes.count)] + bytes + [0x2E]
            let enough = PickleDecoder(limits: PickleLimits(maxDecodedBytes: bytes.count + 16))
            let doc = try enough.decode(pickle: pickle)
            #expect(doc[doc.root] == Self.general(bytes))
            let short = PickleDecoder(limits: PickleLimits(maxDecodedBytes: bytes.count + 15))
            let error = #expect(throws: PickleError.self) { try short.decode(pickle: pickle) }
            #expect(error?.code == .limitExceeded)
            #expect(error?.offset == 2)
            #expect(error?.opcode == 0x8A)
        }
        let truncated: [UInt8] = [0x80, 0x04, 0x8A, 0x05, 0x01, 0x02]
        let error = #expect(throws: PickleError.self) { try PickleDecoder().decode(pickle: truncated) }
        #expect(error?.code == .truncated)
    }

    /// BINFLOAT's 8 big-endian bytes become the double with exactly those bits (NaN payloads included).
    @Test func binFloatKeepsEveryBit() throws {
        let decoder = PickleDecoder()
        var x: UInt64 = 0x0123_4567_89AB_CDEF
        var patterns: [UInt64] = [0, 1 << 63, 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x3FF0_0000_0000_0000]
        for _ in 0 ..< 64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            patterns.append(x)
        }
        for bits in patterns {
            let be = (0 ..< 8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * $0)) }
            let doc = try decoder.decode(pickle: [0x80, 0x04, 0x47] + be + [0x2E])
            guard case .float(let d) = doc[doc.root] else { Issue.record("not a float"); continue }
            #expect(d.bitPattern == bits)
        }
    }

    /// maxOpcodes stops at the same opcode, whether the loop or a fused MEMOIZE, BINPUT or PUT runs it:
    /// `count` opcodes pass, fewer fail at the first opcode over (any limit below 1 at the first).
    @Test(arguments: [
        // PROTO 4, SHORT_BINUNICODE 'a', MEMOIZE, STOP
        ([0x80, 0x04, 0x8C, 0x01, 0x61, 0x94, 0x2E], [0, 2, 5, 6]),
        // PROTO 2, BINUNICODE 'a', BINPUT 0, STOP
        ([0x80, 0x02, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x00, 0x2E], [0, 2, 8, 10]),
        // protocol 0: UNICODE 'a', PUT 0, STOP
        ([0x56, 0x61, 0x0A, 0x70, 0x30, 0x0A, 0x2E], [0, 3, 6]),
        // PROTO 4, EMPTY_LIST, MEMOIZE, EMPTY_DICT, BINPUT 1, APPEND, STOP
        ([0x80, 0x04, 0x5D, 0x94, 0x7D, 0x71, 0x01, 0x61, 0x2E], [0, 2, 3, 4, 5, 7, 8]),
    ] as [([UInt8], [Int])])
    func opcodeLimitStopsAtTheSameOpcode(pickle: [UInt8], offsets: [Int]) throws {
        for limit in [Int.min, -1, 0] + Array(1 ... offsets.count + 1) {
            let decoder = PickleDecoder(limits: PickleLimits(maxOpcodes: limit))
            if limit >= offsets.count {
                _ = try decoder.decode(pickle: pickle)
                continue
            }
            let error = #expect(throws: PickleError.self, "limit \(limit)") { try decoder.decode(pickle: pickle) }
            let at = offsets[max(limit, 0)]
            #expect(error?.code == .limitExceeded, "limit \(limit)")
            #expect(error?.offset == at, "limit \(limit)")
            #expect(error?.opcode == pickle[at], "limit \(limit)")
        }
    }
}
