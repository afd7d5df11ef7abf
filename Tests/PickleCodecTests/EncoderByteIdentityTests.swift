import Testing
import PickleCodec

/// The encoder writes exactly CPython 3.11's bytes (protocols 2–5) and Python 2 cPickle's (protocol 0).
@Suite struct EncoderByteIdentityTests {
    @Test func corpusIsPresent() {
        #expect(EncoderFixtures.cases.count >= 30)
        #expect(EncoderFixtures.cases.contains { !$0.pickles.isEmpty })
        #expect(EncoderFixtures.cases.contains { $0.p0 != nil })
    }

    @Test(arguments: EncoderFixtures.cases.filter { !$0.pickles.isEmpty })
    func matchesCPython(_ fixture: EncoderFixtures.Case) throws {
        let doc = EncoderFixtures.Builder.document(fixture.value)
        for proto in 2...5 {
            guard let expected = fixture.pickles[proto] else { continue }
            let bytes = try PickleEncoder(protocol: proto).encode(doc)
            switch expected {
            case .hex(let hex):
                let want = EncoderFixtures.bytes(hex: hex)
                let at = (0..<min(bytes.count, want.count)).first { bytes[$0] != want[$0] } ?? min(bytes.count, want.count)
                #expect(bytes == want, "protocol \(proto): first difference at byte \(at) (ours \(bytes.count) bytes, CPython \(want.count))")
            case .digest(let length, let fnv):
                #expect(bytes.count == length && EncoderFixtures.fnv1a64(bytes) == fnv,
                        "protocol \(proto): ours \(bytes.count) bytes, CPython \(length)")
            }
        }
    }

    @Test(arguments: EncoderFixtures.cases.filter { $0.p0 != nil })
    func matchesPython2CPickle(_ fixture: EncoderFixtures.Case) throws {
        let doc = EncoderFixtures.Builder.document(fixture.value)
        let bytes = try PickleEncoder(protocol: 0).encode(doc)
        let want = EncoderFixtures.bytes(hex: fixture.p0!)
        #expect(bytes == want, "ours: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
}
