import Testing
@testable import SessionSyncd

/// Deterministic generator so a failure reproduces.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses `bytes` as a configuration: it must either succeed or throw a ConfigError whose
/// position lies inside the document. (A crash fails the whole run.)
private func parsesOrFailsCleanly(_ bytes: [UInt8]) -> Bool {
    do {
        _ = try SyncConfiguration.parse(bytes: bytes)
        return true
    } catch {
        let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
        return (error.line ?? 1) >= 1 && (error.line ?? 1) <= lines && (error.column ?? 1) >= 1
    }
}

@Suite struct ConfigRobustnessTests {
    /// Every prefix of the shipped example (a file cut short while being written) is handled.
    @Test func everyPrefixOfTheExampleIsHandled() throws {
        let example = Array(try ConfigTestSupport.readText("deploy/config.example.toml").utf8)
        for end in 0...example.count {
            #expect(parsesOrFailsCleanly(Array(example[0..<end])), "prefix of \(end) bytes")
        }
    }

    /// Random single-byte edits of the example are handled.
    @Test func mutatedExamplesAreHandled() throws {
        let example = Array(try ConfigTestSupport.readText("deploy/config.example.toml").utf8)
        let alphabet = Array("[]{}=,.\"'\\#\n\r\t abcxyz019_-+:eEinf".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]
        var rng = SplitMix64(state: 2026)
        for _ in 0..<1000 {
            var doc = example
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<doc.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: doc[i] = alphabet.randomElement(using: &rng)!
                case 1: doc.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: doc.remove(at: i)
                }
            }
            #expect(parsesOrFailsCleanly(doc))
        }
    }

    /// Random TOML-ish token soup never traps the parser.
    @Test func tokenSoupIsHandled() {
        let tokens = ["[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\"", "'", "\"\"\"", "'''", "\\", "\\u00", "#", "\n", " ",
                      "a", "b.c", "1", "-0", "0x1F", "1e5", "inf", "nan", "true", "1979-05-27", "12:00", "_", "é"]
        var rng = SplitMix64(state: 7)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 1...30, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            #expect(parsesOrFailsCleanly(Array(text.utf8)))
        }
    }
}
