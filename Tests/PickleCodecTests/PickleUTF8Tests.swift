import Testing
@testable import PickleCodec

/// `PickleUTF8.validate` and `isPlain` against Swift's own validator, surrogates reported apart.
@Suite struct PickleUTF8Tests {
    /// Swift's verdict, with encoded surrogates (ED A0...BF 80...BF, which Swift refuses) told apart:
    /// the text with each replaced by a valid three-byte character is then valid.
    static func expected(_ text: [UInt8]) -> PickleUTF8.Validity {
        if String(validating: text, as: UTF8.self) != nil { return .valid }
        var t = text
        var i = 0
        while i + 2 < t.count {
            if t[i] == 0xED, t[i + 1] >= 0xA0, t[i + 1] <= 0xBF, t[i + 2] & 0xC0 == 0x80 {
                t[i] = 0xEF; t[i + 1] = 0xBF; t[i + 2] = 0xBF
            }
            i += 1
        }
        return String(validating: t, as: UTF8.self) != nil ? .surrogates : .invalid
    }

    /// Checks `text` with `validate` and with `isPlain` at every readable size it allows.
    static func check(_ text: [UInt8]) {
        let want = expected(text)
        // The text followed by 8 bytes of padding, so that isPlain's masked load may use them.
        let padded = text + [UInt8](repeating: 0xFF, count: 8)
        padded.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            let got = PickleUTF8.validate(p, text.count)
            #expect(got == want, "validate \(text)")
            for readable in [text.count, text.count + 8] {
                #expect(PickleUTF8.isPlain(p, text.count, readable: readable) == (want == .valid), "isPlain \(text)")
            }
        }
        // Without padding: the text ends at the end of the allocation.
        text.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress else { return }
            #expect(PickleUTF8.validate(p, text.count) == want, "validate unpadded \(text)")
        }
    }

    /// Random texts of 0 to 80 bytes, mostly ASCII and two-byte characters, with some of every byte
    /// class the checks treat apart.
    @Test func randomTexts() {
        let odd: [UInt8] = [0x7F, 0xC2, 0xC3, 0xDF, 0x80, 0xA9, 0xBF, 0xC0, 0xC1, 0xE0, 0xE2, 0xED, 0xEF,
                            0xF0, 0xF4, 0xF5, 0xFF, 0x82, 0xAC, 0x90, 0x8F, 0x9F, 0xA0]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        for _ in 0 ..< 30000 {
            let n = Int(next() % 81)
            var text: [UInt8] = []
            while text.count < n {
                let r = next()
                switch r % 16 {
                case 0, 1, 2: text += [0xC3, 0xA9]
                case 3: text += [0xE2, 0x82, 0xAC]
                case 4: text.append(odd[Int((r >> 8) % UInt64(odd.count))])
                case 5: text += [0xED, 0xA0 | UInt8((r >> 8) & 0x1F), 0x80]
                case 6: text += [0xF0, 0x9F, 0x98, 0x80]
                default: text.append(0x61 + UInt8((r >> 8) % 26))
                }
            }
            Self.check(text)
        }
    }

    /// Every pair of bytes at every position of ASCII texts of 9 and 16 bytes (word ends, tails).
    @Test func everyPairAtEveryPosition() {
        for n in [2, 9, 16] {
            for at in 0 ... n - 2 {
                var text = [UInt8](repeating: 0x61, count: n)
                for pair in 0 ..< 0x1_0000 where pair & 0x8080 != 0 {
                    text[at] = UInt8(pair & 0xFF)
                    text[at + 1] = UInt8(pair >> 8)
                    Self.check(text)
                }
            }
        }
    }

    /// Every three-byte sequence with a lead from E0 to F4 at the word boundaries of a 16-byte text.
    @Test func everyThreeByteLead() {
        for at in [0, 6, 7, 13] {
            var text = [UInt8](repeating: 0x62, count: 16)
            for b0 in 0xE0 ... 0xF4 {
                for b1 in 0x70 ... 0xC0 {
                    for b2 in [0x41, 0x80, 0xBF, 0xC0] {
                        text[at] = UInt8(b0); text[at + 1] = UInt8(b1); text[at + 2] = UInt8(b2)
                        Self.check(text)
                    }
                }
            }
        }
    }
}
