import Testing
@testable import PickleCodec

/// The eight-bytes-at-a-time scan of ``PickleJSONWriter`` must escape exactly what the byte-wise rule does.
@Suite struct CodecJSONEscapeTests {
    /// The rule, one scalar at a time.
    func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0 ..< 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    @Test func everySpecialByteAtEveryPositionOfAWord() {
        var specials: [Unicode.Scalar] = (0 ..< 0x20).map { Unicode.Scalar(UInt8($0)) }
        specials += ["\"", "\\", "\u{7F}", "!", "#", "[", "]", "é", "\u{1F600}", "\u{80}", "\u{A0}"]
        for c in specials {
            for n in [1, 7, 8, 9, 15, 16, 17, 24] {
                for k in 0 ..< n {
                    var scalars = [Unicode.Scalar](repeating: "a", count: n)
                    scalars[k] = c
                    if k + 2 < n { scalars[k + 2] = c }
                    var s = ""
                    s.unicodeScalars.append(contentsOf: scalars)
                    #expect(PickleJSONText.quoted(s) == reference(s), "scalar \(c.value) at \(k) of \(n)")
                }
            }
        }
    }

    @Test func randomText() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "z", " ", "\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{20}", "\u{7F}", "é", "\u{FFFF}", "\u{10FFFF}"]
        for _ in 0 ..< 2000 {
            var s = ""
            for _ in 0 ..< Int.random(in: 0 ... 40, using: &rng) { s.unicodeScalars.append(alphabet.randomElement(using: &rng)!) }
            #expect(PickleJSONText.quoted(s) == reference(s))
        }
    }
}
