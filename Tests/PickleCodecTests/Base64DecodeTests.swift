import Testing
@testable import PickleCodec

/// `PickleBase64.decode` (whole lines stored before one check, 8- and 4-character steps, a byte-wise
/// path for the rest) must give the same bytes, or the same error with the same offset and detail,
/// as a plain byte-at-a-time decoder of the same rules.
@Suite struct Base64DecodeTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The rules, one byte at a time: whitespace anywhere, `=` only to complete the last group.
    static func reference(_ text: [UInt8], maxOutput: Int) -> Result<[UInt8], PickleError> {
        var values = [Int?](repeating: nil, count: 256)
        for (v, c) in alphabet.enumerated() { values[Int(c)] = v }
        func value(_ c: UInt8) -> Int? { values[Int(c)] }
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        if text.count / 4 * 3 > maxOutput && text.filter({ value($0) != nil }).count / 4 * 3 > maxOutput {
            return .failure(PickleError(.limitExceeded, offset: 0, detail: "input larger than maxInputBytes"))
        }
        var out: [UInt8] = []
        var group: [Int] = []
        var padding = 0
        var padStart = 0
        for (offset, c) in text.enumerated() {
            if let v = value(c) {
                if padding > 0 { return .failure(PickleError(.invalidBase64, offset: offset, detail: "data after padding")) }
                group.append(v)
                if group.count == 4 {
                    let bits = group.reduce(0) { $0 << 6 | $1 }
                    out += [UInt8(bits >> 16), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
                    group = []
                }
            } else if whitespace.contains(c) {
                continue
            } else if c == 0x3D {
                if padding == 0 { padStart = offset }
                padding += 1
                if group.count < 2 || group.count + padding > 4 {
                    return .failure(PickleError(.invalidBase64, offset: offset, detail: "misplaced padding"))
                }
            } else {
                return .failure(PickleError(.invalidBase64, offset: offset, detail: "byte outside the base64 alphabet"))
            }
        }
        if padding > 0 && group.count + padding != 4 {
            return .failure(PickleError(.invalidBase64, offset: padStart, detail: "incomplete padding"))
        }
        if group.count == 1 {
            return .failure(PickleError(.invalidBase64, offset: text.count, detail: "truncated base64 group"))
        }
        if group.count >= 2 {
            let bits = group.reduce(0) { $0 << 6 | $1 } << (6 * (4 - group.count))
            out.append(UInt8(bits >> 16))
            if group.count == 3 { out.append(UInt8(bits >> 8 & 0xFF)) }
        }
        return .success(out)
    }

    static func decoded(_ text: [UInt8], maxOutput: Int = 1 << 30) -> Result<[UInt8], PickleError> {
        Result { () throws(PickleError) -> [UInt8] in try PickleBase64.decode(text, maxOutput: maxOutput) }
    }

    /// `base64.encodebytes`: padding, a newline after every 76 characters and at the end.
    static func encodebytes(_ bytes: [UInt8], lineLength: Int = 76) -> [UInt8] {
        var line: [UInt8] = []
        PickleBase64.encode(bytes, into: &line)
        var out: [UInt8] = []
        var start = 0
        while start < line.count {
            out += line[start ..< min(start + lineLength, line.count)] + [0x0A]
            start += lineLength
        }
        return out
    }

    /// Deterministic xorshift bytes.
    struct Random {
        var x: UInt64
        init(_ seed: UInt64) { x = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func bytes(_ n: Int) -> [UInt8] { (0 ..< n).map { _ in UInt8(truncatingIfNeeded: next()) } }
    }

    /// Bytes that stop the fast paths: whitespace, padding, and bytes outside the alphabet.
    static let stoppers: [UInt8] = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x3D, 0x00, 0x21, 0x2D, 0x2E, 0x5F, 0x7F, 0x80, 0xFF]

    /// `base64.encodebytes` text of every payload length 0 ... 400 decodes to its payload.
    @Test func encodebytesOfEveryLength() {
        var random = Random(1)
        for n in 0 ... 400 {
            let payload = random.bytes(n)
            let text = Self.encodebytes(payload)
            #expect(Self.decoded(text) == .success(payload), "payload of \(n) bytes")
            #expect(Self.reference(text, maxOutput: 1 << 30) == .success(payload), "reference, payload of \(n) bytes")
        }
    }

    /// Any stopping byte at any position of 76-column text, replacing a byte or inserted, decodes as the reference does.
    @Test(arguments: [0, 1, 2, 56, 57, 58, 114, 170, 171, 172, 230])
    func stopperAtEveryPosition(payloadLength: Int) {
        var random = Random(UInt64(payloadLength) + 100)
        let text = Self.encodebytes(random.bytes(payloadLength))
        for at in 0 ... text.count {
            for c in Self.stoppers {
                var inserted = text
                inserted.insert(c, at: at)
                #expect(Self.decoded(inserted) == Self.reference(inserted, maxOutput: 1 << 30), "\(c) inserted at \(at)")
                guard at < text.count else { continue }
                var replaced = text
                replaced[at] = c
                #expect(Self.decoded(replaced) == Self.reference(replaced, maxOutput: 1 << 30), "\(c) at \(at)")
            }
        }
    }

    /// A bad byte in a run of whole lines is reported at its own offset, with its own detail.
    @Test func badByteOffsetsInWholeLines() {
        var random = Random(3)
        let text = Self.encodebytes(random.bytes(57 * 3))  // three whole lines, no padding
        #expect(text.count == 3 * 77)
        for at in text.indices where text[at] != 0x0A {
            var broken = text
            broken[at] = 0x21
            #expect(Self.decoded(broken) == .failure(PickleError(.invalidBase64, offset: at, detail: "byte outside the base64 alphabet")))
            // `=` as a group's first or second byte is misplaced; as its third, the fourth byte follows padding.
            broken[at] = 0x3D
            switch at % 77 % 4 {
            case 0, 1: #expect(Self.decoded(broken) == .failure(PickleError(.invalidBase64, offset: at, detail: "misplaced padding")))
            case 2: #expect(Self.decoded(broken) == .failure(PickleError(.invalidBase64, offset: at + 1, detail: "data after padding")))
            default: #expect(Self.decoded(broken) == Self.reference(broken, maxOutput: 1 << 30))
            }
        }
    }

    /// Random mixes of alphabet runs, line breaks, spaces, padding and stray bytes decode as the reference does.
    @Test func randomTextsAgreeWithReference() {
        var random = Random(4)
        for round in 0 ..< 4000 {
            var text = Self.encodebytes(random.bytes(random.below(300)), lineLength: [76, 76, 76, 4, 8, 64, 1 << 20][random.below(7)])
            for _ in 0 ..< random.below(4) where !text.isEmpty {
                let at = random.below(text.count + 1)
                let c = random.below(3) == 0 ? UInt8(truncatingIfNeeded: random.next()) : Self.stoppers[random.below(Self.stoppers.count)]
                if random.below(2) == 0 && at < text.count { text[at] = c } else { text.insert(c, at: at) }
            }
            if random.below(8) == 0, let at = text.indices.randomElement(using: &random) { text.remove(at: at) }
            #expect(Self.decoded(text) == Self.reference(text, maxOutput: 1 << 30), "round \(round): \(text)")
        }
    }

    /// When the text is over the output limit, only alphabet bytes count, and lines that fail their
    /// check (stored before it) stay within the output buffer, which is then sized by alphabet bytes.
    @Test func outputLimitCountsAlphabetBytesOnly() {
        var random = Random(5)
        for round in 0 ..< 600 {
            let lines = 1 + random.below(6)
            var text: [UInt8] = []
            for _ in 0 ..< lines {
                // 76 columns, some of them spaces: each line fails its one check and is redone byte by byte.
                var line = (0 ..< 76).map { _ in Self.alphabet[random.below(64)] }
                for _ in 0 ..< random.below(40) { line[random.below(76)] = 0x20 }
                text += line + [0x0A]
            }
            let alphabetBytes = text.filter { $0 != 0x20 && $0 != 0x0A }.count
            for maxOutput in [alphabetBytes / 4 * 3 - 1, alphabetBytes / 4 * 3, text.count / 4 * 3 - 1] {
                #expect(Self.decoded(text, maxOutput: maxOutput) == Self.reference(text, maxOutput: maxOutput), "round \(round)")
            }
        }
    }

    /// `looksLikeBase64` (whole lines and 8 bytes at a time) answers as a byte-by-byte check does.
    @Test func looksLikeBase64AgreesWithByteCheck() {
        let allowed = Set(Self.alphabet + [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x3D])
        func expected(_ text: [UInt8]) -> Bool { text.allSatisfy { allowed.contains($0) } }
        var random = Random(7)
        var texts: [[UInt8]] = [[], [0x0A], [0x80], Self.encodebytes(random.bytes(400), lineLength: 1 << 20)]
        for n in [0, 1, 56, 57, 58, 171, 230] {
            let text = Self.encodebytes(random.bytes(n))
            texts.append(text)
            for at in text.indices {
                for c: UInt8 in [0x00, 0x21, 0x80, 0xFF, 0x20, 0x3D] {
                    var changed = text
                    changed[at] = c
                    texts.append(changed)
                }
            }
        }
        for _ in 0 ..< 500 { texts.append(random.bytes(random.below(200)).map { $0 < 0xC0 ? Self.alphabet[Int($0) % 64] : $0 }) }
        for text in texts { #expect(PickleBase64.looksLikeBase64(text) == expected(text), "\(text)") }
    }

    /// `decode(data:)` tries base64 first and scans only when that fails: text is decoded as text,
    /// text that looks like base64 but is broken keeps its base64 error, anything else is a raw pickle.
    @Test func decodeDataTriesBase64First() throws {
        let decoder = PickleDecoder()
        let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x4B, 0x07, 0x73, 0x2E]
        let text = Self.encodebytes(pickle)
        #expect(try decoder.decode(data: text).canonicalJSON() == "{\"a\":7}")
        #expect(try decoder.decode(data: pickle).canonicalJSON() == "{\"a\":7}")
        #expect(try decoder.decode(data: Array("(dp0\nS'a'\nI7\ns.".utf8)).canonicalJSON() == "{\"a\":7}")
        for broken in [Array(text.dropLast(4)), Array(text.dropLast(3)) + [0x3D, 0x41], [0x3D] + text] {
            #expect(throws: PickleError.self) { try decoder.decode(data: broken) }
            do {
                _ = try decoder.decode(data: broken)
            } catch {
                #expect(error.code == .invalidBase64)
                guard case .failure(let expected) = Self.decoded(broken) else {
                    Issue.record("\(broken) decoded as base64")
                    continue
                }
                #expect(error == expected)
            }
        }
    }

    /// A line of spaces after all the alphabet bytes, with the output buffer sized by those bytes
    /// alone, is stored (57 bytes past the output) and redone: the stores must stay in the buffer
    /// (run under `--sanitize=address` to see an overrun).
    @Test func failedLineAtTheOutputsEnd() {
        let blank = [UInt8](repeating: 0x20, count: 76) + [0x0A]
        var random = Random(6)
        for lines in 0 ..< 4 {
            let valid = Self.encodebytes(random.bytes(57 * lines))
            for text in [valid + blank, valid + blank + blank, blank + valid + blank] {
                let maxOutput = 57 * lines
                #expect(Self.decoded(text, maxOutput: maxOutput) == Self.reference(text, maxOutput: maxOutput))
                #expect(Self.decoded(text, maxOutput: maxOutput) == Self.decoded(valid))
            }
        }
    }
}

extension Base64DecodeTests.Random: RandomNumberGenerator {}
