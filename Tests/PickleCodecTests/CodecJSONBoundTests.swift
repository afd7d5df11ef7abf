import Testing
@testable import PickleCodec

/// The linear pre-check of JSON expansion must never reject what the export would write.
@Suite struct CodecJSONBoundTests {
    func bound(_ doc: PickleDocument) -> Int {
        PickleJSONExporter(document: doc, limits: .default).expansionLowerBound(doc.root)
    }

    @Test(arguments: DecoderFixtures.golden)
    func boundNeverExceedsTheOutput(_ c: GoldenCase) throws {
        let doc = try PickleDecoder().decode(pickle: c.pickle)
        #expect(try bound(doc) <= doc.canonicalJSON().utf8.count)
    }

    @Test func boundWithCycles() throws {
        // root -> A, root -> B, A <-> B, plus a shared leaf list: a cycle elsewhere must not
        // make the bound overshoot, and must not hide a shared expansion either.
        let p = asciiBytes("(lp0\n(lp1\n(lp2\ng1\naaag2\na(lp3\nI1\naag3\na.")
        let doc = try PickleDecoder().decode(pickle: p)
        let json = try doc.canonicalJSON()
        #expect(json == "[[[{\"$ref\":\"cycle\"}]],[[{\"$ref\":\"cycle\"}]],[1],[1]]")
        #expect(bound(doc) <= json.utf8.count)
        // A list containing itself and a 10^9-leaf shared expansion.
        var cyclic: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0xFE, 0x68, 0xFE, 0x61, 0x5D, 0x4B, 0x01, 0x61, 0x71, 0x00, 0x30]
        for i in 1 ... 9 {
            cyclic += [0x5D, 0x28]
            for _ in 0 ..< 10 { cyclic += [0x68, UInt8(i - 1)] }
            cyclic += [0x65, 0x71, UInt8(i), 0x30]
        }
        cyclic += [0x68, 0x09, 0x61, 0x2E]
        let big = try PickleDecoder().decode(pickle: cyclic)
        #expect(bound(big) > 1_000_000_000)
        #expect(throws: PickleError(.jsonLimitExceeded, detail: "JSON output larger than maxDecodedBytes")) {
            _ = try big.canonicalJSON()
        }
    }

    @Test func boundHoldsOnCorruptedPickles() {
        var rng = DecoderMutationTests.SplitMix(state: 77)
        let small = DecoderFixtures.golden.map(\.pickle).filter { $0.count <= 400 }
        var checked = 0
        for _ in 0 ..< 20_000 {
            var p = small[Int.random(in: 0 ..< small.count, using: &rng)]
            let at = Int.random(in: 0 ..< p.count, using: &rng)
            p[at] = DecoderMutationTests.interestingBytes.randomElement(using: &rng)!
            guard let doc = try? PickleDecoder().decode(pickle: p),
                  let json = try? doc.canonicalJSON(limits: PickleLimits(maxDecodedBytes: 1 << 30)) else { continue }
            #expect(bound(doc) <= json.utf8.count)
            checked += 1
        }
        #expect(checked > 1000)
    }
}
