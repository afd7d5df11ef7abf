import Testing
import PickleCodec

/// The decoder's fast paths (dense memo, scanned small dicts, group-wise base64, one-pass
/// UNICODE lines) must give exactly what the general paths give, errors and offsets included.
@Suite struct DecoderFastPathTests {
    // MARK: - Memo: dense slots and the sparse fallback

    @Test func hugeMemoIndexRoundTrips() throws {
        // LONG_BINPUT 0xFFFFFFFF must not size anything by the index.
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x02, 0x5D, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x30, 0x6A, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E])
        guard case .list(let items) = doc[doc.root] else { Issue.record("expected a list"); return }
        #expect(items.isEmpty)
    }

    @Test func denseAndSparseIndicesMix() throws {
        // (1 PUT 0, 2 PUT 1000, 3 PUT 2, GET 0, GET 1000, GET 2) as a tuple.
        let pickle: [UInt8] = [0x80, 0x02, 0x28, 0x4B, 1, 0x71, 0, 0x4B, 2, 0x72, 0xE8, 0x03, 0, 0, 0x4B, 3, 0x71, 2,
                               0x68, 0, 0x6A, 0xE8, 0x03, 0, 0, 0x68, 2, 0x74, 0x2E]
        let doc = try PickleDecoder().decode(pickle: pickle)
        guard case .tuple(let items) = doc[doc.root] else { Issue.record("expected a tuple"); return }
        #expect(items.map { doc[$0] } == [1, 2, 3, 1, 2, 3].map { PickleNode.int($0) })
    }

    @Test func unsetSlotInsideTheDenseRangeIsMissing() {
        // PUT 5 makes slots 0...5; GET 3 was never PUT.
        #expect(decodeError([0x80, 0x02, 0x4B, 1, 0x71, 5, 0x30, 0x68, 3, 0x2E]) == .memoMissing)
        #expect(decodeError([0x80, 0x02, 0x4B, 1, 0x71, 5, 0x30, 0x68, 6, 0x2E]) == .memoMissing)
    }

    @Test func rePutDoesNotCountTwice() throws {
        var limits = PickleLimits.default
        limits.maxMemoEntries = 1
        // PUT 0 twice, and a huge index twice: one entry each time.
        _ = try PickleDecoder(limits: limits).decode(pickle: [0x80, 0x02, 0x4B, 1, 0x71, 0, 0x71, 0, 0x2E])
        _ = try PickleDecoder(limits: limits).decode(pickle: [0x80, 0x02, 0x4B, 1, 0x72, 9, 9, 9, 9, 0x72, 9, 9, 9, 9, 0x2E])
        #expect(decodeError([0x80, 0x02, 0x4B, 1, 0x71, 0, 0x71, 1, 0x2E], limits: limits) == .limitExceeded)
        #expect(decodeError([0x80, 0x02, 0x4B, 1, 0x72, 9, 9, 9, 9, 0x71, 0, 0x2E], limits: limits) == .limitExceeded)
    }

    // MARK: - Repeated dict keys, scanned (small) and hashed (large)

    /// `}` then one SETITEMS per batch of (key, value) pairs; keys are str, values ints.
    static func dictPickle(_ batches: [[(String, Int)]]) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x04, 0x7D]
        for batch in batches {
            p.append(0x28)
            for (k, v) in batch {
                let utf8 = Array(k.utf8)
                p += [0x8C, UInt8(utf8.count)] + utf8 + [0x4A] + withUnsafeBytes(of: Int32(v).littleEndian, Array.init)
            }
            p.append(0x75)
        }
        return p + [0x2E]
    }

    static func entries(_ doc: PickleDocument) -> [(String, Int64)] {
        guard case .dict(let d) = doc[doc.root] else { return [] }
        return zip(d.keys, d.values).map { k, v in
            guard case .string(let s) = doc[k], case .int(let i) = doc[v] else { return ("?", -1) }
            return (s, i)
        }
    }

    @Test(arguments: [3, 16, 17, 40])
    func repeatedKeyKeepsFirstPositionAndLastValue(_ n: Int) throws {
        let pairs = (0 ..< n).map { ("k\($0)", $0) }
        for batches in [[pairs + [("k1", 99)]], [Array(pairs.prefix(n / 2)), Array(pairs.dropFirst(n / 2)) + [("k1", 99), ("k\(n - 1)", 77)]]] {
            let got = Self.entries(try PickleDecoder().decode(pickle: Self.dictPickle(batches)))
            var want = pairs.map { ($0.0, Int64($0.1)) }
            want[1].1 = 99
            if batches.count == 2 { want[n - 1].1 = 77 }
            #expect(got.map(\.0) == want.map(\.0))
            #expect(got.map(\.1) == want.map(\.1))
        }
    }

    @Test(arguments: [2, 30])
    func keysCompareByCodePoints(_ n: Int) throws {
        // "é" precomposed and decomposed are two keys in Python (Swift's == would call them equal).
        let filler = (0 ..< n).map { ("f\($0)", $0) }
        let doc = try PickleDecoder().decode(pickle: Self.dictPickle([filler + [("\u{E9}", 1), ("e\u{301}", 2), ("\u{E9}", 3)]]))
        let got = Self.entries(doc).suffix(2)
        #expect(got.map(\.0) == ["\u{E9}", "e\u{301}"].map { $0 })
        #expect(got.map(\.0).map { Array($0.unicodeScalars) } == [["\u{E9}"], ["e", "\u{301}"]])
        #expect(got.map(\.1) == [3, 2])
    }

    @Test(arguments: [0, 30])
    func equalKeysOfDifferentTypesMerge(_ n: Int) throws {
        // {1: 'a', True: 'b', 1.0: 'c', 'x' (Python 2 str): 'd', u'x': 'e'} == {1: 'c', 'x': 'e'}
        var p: [UInt8] = [0x80, 0x04, 0x7D, 0x28]
        for i in 0 ..< n { p += [0x4A] + withUnsafeBytes(of: Int32(1000 + i).littleEndian, Array.init) + [0x4E] }
        p += [0x4B, 1, 0x55, 1, 0x61, 0x88, 0x55, 1, 0x62, 0x47, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x55, 1, 0x63]
        p += [0x55, 1, 0x78, 0x55, 1, 0x64, 0x8C, 1, 0x78, 0x55, 1, 0x65, 0x75, 0x2E]
        let doc = try PickleDecoder().decode(pickle: p)
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(d.keys.count == n + 2)
        #expect(doc[d.keys[n]] == .int(1))
        #expect(doc[d.values[n]] == .py2String(PickleBytes(Array("c".utf8))))
        #expect(doc[d.keys[n + 1]] == .py2String(PickleBytes(Array("x".utf8))))
        #expect(doc[d.values[n + 1]] == .py2String(PickleBytes(Array("e".utf8))))
    }

    // MARK: - UNICODE lines (protocol 0)

    @Test func rawUnicodeEscapeLine() throws {
        let pickle = asciiBytes("V\\u00e9t\\u00e9 caf") + [0xE9] + asciiBytes(" \\x \\\\u \\ud83d\\ude00 \\U0001F600\n.")
        let doc = try PickleDecoder().decode(pickle: pickle)
        #expect(doc[doc.root] == .string("été café \\x \\\\u 😀 😀"))
        #expect(try PickleDecoder().decode(pickle: [0x56, 0x41, 0xFF, 0x0A, 0x2E])[PickleRef(0)] == .string("A\u{FF}"))
    }

    @Test func unpairedSurrogatesInUnicodeLinesAreRefused() {
        #expect(decodeError(asciiBytes("V\\ud800 \\u12\n.")) == .invalidText)
        #expect(decodeError(asciiBytes("V\\ud800x\n.")) == .invalidText)
        #expect(decodeError(asciiBytes("V\\ud800\\\\\n.")) == .invalidText)
        #expect(decodeError(asciiBytes("Vx\\ude00\n.")) == .invalidText)
    }

    // MARK: - base64

    @Test func base64FastAndSlowPathsAgree() throws {
        let pickle: [UInt8] = [0x80, 0x04, 0x95, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0x8C, 0x07] + asciiBytes("session") + [0x94, 0x2E]
        let oneLine = Array("gASVCwAAAAAAAACMB3Nlc3Npb26ULg==".utf8)
        let want = try PickleDecoder().decode(pickle: pickle)[PickleRef(0)]
        for text in [oneLine, Array("gASV\nCwAAAAAAAACMB3Nl\nc3Npb26ULg==\n".utf8), Array("  gA SVCw\tAAAAAAAACMB3Nlc3Npb26U Lg = =\n".utf8),
                     Array("gASVCwAAAAAAAACMB3Nlc3Npb26ULg".utf8)] {
            #expect(try PickleDecoder().decode(base64Text: text)[PickleRef(0)] == want)
        }
    }

    @Test func base64ErrorsCarryTheTextOffset() {
        func failure(_ s: String) -> (PickleError.Code, Int?)? {
            do { _ = try PickleDecoder().decode(base64Text: Array(s.utf8)); return nil } catch { return (error.code, error.offset) }
        }
        #expect(failure("gASVCwAA!AAA")! == (.invalidBase64, 8))
        #expect(failure("gASVCw==AAAA")! == (.invalidBase64, 8))
        #expect(failure("gASVC===")! == (.invalidBase64, 5))
        #expect(failure("gASVCw=")! == (.invalidBase64, 6))
        #expect(failure("gASVC")! == (.invalidBase64, 5))
        var limits = PickleLimits.default
        limits.maxInputBytes = 6
        #expect(throws: PickleError.self) { try PickleDecoder(limits: limits).decode(base64Text: Array("gASVCwAAAAAA".utf8)) }
        // Whitespace does not count against the bound.
        #expect(throws: Never.self) { try PickleDecoder(limits: limits).decode(base64Text: Array("gARO\n\n\n\n\n\n\n\n\n\n\n\n\n\nLg==".utf8)) }
    }
}
