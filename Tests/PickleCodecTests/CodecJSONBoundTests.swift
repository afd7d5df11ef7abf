import Testing
@testable import PickleCodec

/// The linear pre-check of JSON expansion must never reject what the export would write,
/// and replaying recorded output must write exactly what a full walk writes.
@Suite struct CodecJSONBoundTests {
    func export(_ doc: PickleDocument, replay: Bool, limits: PickleLimits = .default) -> Result<String, PickleError> {
        var exporter = PickleJSONExporter(document: doc, limits: limits)
        exporter.replayEnabled = replay
        do { return .success(try exporter.export(doc.root)) } catch { return .failure(error) }
    }

    @Test(arguments: DecoderFixtures.golden)
    func replayWritesWhatAFullWalkWrites(_ c: GoldenCase) throws {
        let doc = try PickleDecoder().decode(pickle: c.pickle)
        #expect(export(doc, replay: true) == export(doc, replay: false))
    }

    @Test func replayOnCyclicSharing() throws {
        // S = [S, L2]; Li = [S, L(i-1) x 3]: every level refers back to the enclosing S.
        var p: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0xFE, 0x68, 0xFE, 0x61, 0x5D, 0x4B, 0x07, 0x61, 0x71, 0x00, 0x30]
        for i in 1 ... 4 {
            p += [0x5D, 0x28, 0x68, 0xFE]
            for _ in 0 ..< 3 { p += [0x68, UInt8(i - 1)] }
            p += [0x65, 0x71, UInt8(i), 0x30]
        }
        p += [0x68, 0x04, 0x61, 0x68, 0x02, 0x85, 0x61, 0x2E]   // S.append(L4); S.append((L2,))
        let doc = try PickleDecoder().decode(pickle: p)
        let full = export(doc, replay: false)
        #expect(export(doc, replay: true) == full)
        guard case .success(let json) = full else { Issue.record("export failed"); return }
        #expect(json.hasPrefix("[{\"$ref\":\"cycle\"},[{\"$ref\":\"cycle\"},[{\"$ref\":\"cycle\"},"))
        // Depth limits are the same with replay.
        let shallow = PickleLimits(maxNestingDepth: 4)
        #expect(export(doc, replay: true, limits: shallow) == export(doc, replay: false, limits: shallow))
    }

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
        #expect(throws: PickleJSONOverflow.proportional) {
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
            guard let doc = try? PickleDecoder().decode(pickle: p) else { continue }
            let limits = PickleLimits(maxDecodedBytes: 1 << 30, jsonBytesPerInputByte: 1 << 30)
            #expect(export(doc, replay: true, limits: limits) == export(doc, replay: false, limits: limits))
            guard let json = try? doc.canonicalJSON(limits: limits) else { continue }
            #expect(bound(doc) <= json.utf8.count)
            checked += 1
        }
        #expect(checked > 1000)
    }
}
