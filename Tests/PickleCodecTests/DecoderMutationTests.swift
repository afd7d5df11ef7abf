import Testing
import PickleCodec

/// Deterministic corruption of valid pickles: every outcome is a value or a `PickleError`,
/// never a crash or a hang, and whatever decodes can be exported, compared and looked up.
@Suite struct DecoderMutationTests {
    /// SplitMix64: a fixed seed gives the same corpus on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x0A, 0x28, 0x2E, 0x30, 0x32, 0x4E, 0x5D, 0x61, 0x62, 0x67, 0x68,
                                            0x71, 0x73, 0x7D, 0x7F, 0x80, 0x81, 0x85, 0x93, 0x94, 0x95, 0xFF]

    @Test func corruptedPicklesFailCleanly() {
        var rng = SplitMix(state: 20_240_301)
        let small = DecoderFixtures.golden.map(\.pickle).filter { $0.count <= 400 }
        let limits = PickleLimits(maxDecodedBytes: 1 << 20)
        var decoded = 0, failed = 0
        for _ in 0 ..< 30_000 {
            var p = small[Int.random(in: 0 ..< small.count, using: &rng)]
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &rng) {
                let at = Int.random(in: 0 ..< p.count, using: &rng)
                switch Int.random(in: 0 ..< 3, using: &rng) {
                case 0: p[at] = Self.interestingBytes.randomElement(using: &rng)!
                case 1: p[at] = UInt8.random(in: 0 ... 255, using: &rng)
                default: p.insert(Self.interestingBytes.randomElement(using: &rng)!, at: at)
                }
            }
            do {
                let doc = try PickleDecoder(limits: limits).decode(pickle: p)
                decoded += 1
                _ = try? doc.canonicalJSON(limits: limits)
                _ = doc.lookup(path: ["uid"])
                #expect(PickleDocument.structurallyEqual(doc, doc.root, doc, doc.root))
            } catch {
                failed += 1
                #expect(error.offset != nil)
            }
        }
        #expect(decoded > 0 && failed > 0)
    }
}
