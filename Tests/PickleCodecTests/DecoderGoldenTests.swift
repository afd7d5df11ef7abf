import Testing
import PickleCodec

/// Pickles written by CPython (protocols 0–5) and by hand in Python 2's formats, against
/// canonical JSON computed by the generator's reference implementation.
@Suite struct DecoderGoldenTests {
    @Test(arguments: DecoderFixtures.golden)
    func canonicalJSONMatchesCPython(_ c: GoldenCase) throws {
        let doc = try PickleDecoder().decode(base64Text: Array(c.base64Text.utf8))
        #expect(try doc.canonicalJSON() == c.json)
    }

    @Test(arguments: DecoderFixtures.golden)
    func rawAutoDetectedAndBase64DecodesAgree(_ c: GoldenCase) throws {
        let decoder = PickleDecoder()
        let fromText = try decoder.decode(base64Text: Array(c.base64Text.utf8))
        let fromRaw = try decoder.decode(pickle: c.pickle)
        let autoRaw = try decoder.decode(data: c.pickle)
        let autoText = try decoder.decode(data: Array(("  \n" + c.base64Text + "\n\n").utf8))
        for other in [fromRaw, autoRaw, autoText] {
            #expect(PickleDocument.structurallyEqual(fromText, fromText.root, other, other.root))
        }
    }

    /// Every proper prefix of every fixture is an error — never a crash, a hang or a value.
    @Test(arguments: DecoderFixtures.golden)
    func everyTruncationFails(_ c: GoldenCase) {
        let data = c.pickle
        let decoder = PickleDecoder()
        var decoded: [Int] = []
        for n in 0 ..< data.count {
            if (try? decoder.decode(pickle: Array(data[..<n]))) != nil { decoded.append(n) }
        }
        #expect(decoded.isEmpty)
    }

    @Test func corpusCoversEveryProtocolAndPython2() {
        let protocols = Set(DecoderFixtures.golden.filter { $0.source.hasPrefix("cpython") }.map(\.pickleProtocol))
        #expect(protocols == [0, 1, 2, 3, 4, 5])
        #expect(DecoderFixtures.golden.filter { $0.source == "python2-handwritten" }.count >= 15)
    }

    @Test func floatReprMatchesPython() {
        var mismatches = 0
        for (bits, expected) in DecoderFixtures.floats where PickleFloatFormat.repr(Double(bitPattern: bits)) != expected {
            mismatches += 1
        }
        #expect(DecoderFixtures.floats.count > 4000)
        #expect(mismatches == 0)
    }
}
