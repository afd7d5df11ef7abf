import Testing
import PickleCodec

/// The decoder's shortcuts (whole base64 lines, one-pass UTF-8 checks with a masked load, globals
/// found by their bytes, a MEMOIZE or BINPUT run right after the opcode it follows) must give the
/// same values, errors, offsets and opcode counts as the general paths they skip.
@Suite struct DecoderShortcutTests {
    static func le32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }

    /// `base64.encodebytes`: standard alphabet, padding, a newline after every 76 characters and at the end.
    static func encodebytes(_ bytes: [UInt8], lineLength: Int = 76, newline: [UInt8] = [0x0A]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var text: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v = 0
            for k in 0 ..< 3 { v = v << 8 | (k < n ? Int(bytes[i + k]) : 0) }
            for k in 0 ..< 4 { text.append(k <= n ? alphabet[(v >> (18 - 6 * k)) & 63] : 0x3D) }
            i += 3
        }
        var out: [UInt8] = []
        var start = 0
        while start < text.count {
            out += text[start ..< min(start + lineLength, text.count)]
            out += newline
            start += lineLength
        }
        return out
    }

    /// A protocol-4 pickle of one bytes value (BINBYTES), so decoding shows every byte base64 gave.
    static func bytesPickle(_ payload: [UInt8]) -> [UInt8] {
        [0x80, 0x04, 0x42] + le32(payload.count) + payload + [0x2E]
    }

    static func payload(_ n: Int, seed: UInt64) -> [UInt8] {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0 ..< n).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    static func bytesValue(_ doc: PickleDocument) -> [UInt8]? {
        if case .bytes(let b) = doc[doc.root] { return b }
        return nil
    }

    // MARK: - base64 lines

    /// Every length around whole lines decodes to the same bytes, with `\n` and `\r\n` line ends and on one line.
    @Test func base64LinesOfEveryLength() throws {
        let decoder = PickleDecoder()
        for n in 0 ..< 260 {
            let payload = Self.payload(n, seed: UInt64(n))
            let pickle = Self.bytesPickle(payload)
            for text in [Self.encodebytes(pickle), Self.encodebytes(pickle, newline: [0x0D, 0x0A]),
                         Self.encodebytes(pickle, lineLength: 1 << 20)] {
                let doc = try decoder.decode(base64Text: text)
                #expect(Self.bytesValue(doc) == payload, "payload of \(n) bytes")
            }
        }
    }

    /// A byte outside the alphabet anywhere in a run of whole lines is reported at its own offset.
    @Test func base64BadByteAtEveryPositionOfWholeLines() {
        let decoder = PickleDecoder()
        let text = Self.encodebytes(Self.bytesPickle(Self.payload(230, seed: 7)))  // five lines, four of them whole
        for at in text.indices where text[at] != 0x0A && text[at] != 0x3D {
            for bad: UInt8 in [0x21, 0x2D, 0x80, 0x00] {
                var broken = text
                broken[at] = bad
                do {
                    _ = try decoder.decode(base64Text: broken)
                    Issue.record("byte \(bad) at \(at) was accepted")
                } catch {
                    #expect(error.code == .invalidBase64 && error.offset == at, "byte \(bad) at \(at): \(error)")
                }
            }
        }
    }

    /// A line of 76 characters whose newline is missing or moved is still read (whitespace is free).
    @Test func base64IrregularLines() throws {
        let decoder = PickleDecoder()
        let payload = Self.payload(300, seed: 3)
        let pickle = Self.bytesPickle(payload)
        let one = Self.encodebytes(pickle, lineLength: 1 << 20).filter { $0 != 0x0A }
        for lineLength in [4, 8, 72, 75, 77, 80] {
            let text = Self.encodebytes(pickle, lineLength: lineLength)
            #expect(Self.bytesValue(try decoder.decode(base64Text: text)) == payload, "lines of \(lineLength)")
        }
        // A space where the newline would be, and a newline one character early.
        var spaced = one
        spaced.insert(0x20, at: 76)
        #expect(Self.bytesValue(try decoder.decode(base64Text: spaced)) == payload)
        var early = one
        early.insert(0x0A, at: 75)
        #expect(Self.bytesValue(try decoder.decode(base64Text: early)) == payload)
    }

    // MARK: - Text checks

    /// A short str followed by more bytes is checked with masked loads (one word, or two in the loop's
    /// SHORT_BINUNICODE shortcut): a bad byte at its last position must still be found, and high bytes
    /// just after it must not count, with few or many bytes readable after it.
    @Test(arguments: 1 ... 18)
    func shortTextMaskedCheck(length: Int) throws {
        for ints in [1, 3, 12] {
            // (text, ints...) with BININT1 values 0xFF, 0x80, 0xC3, ...: the bytes after the text have high bits.
            let values = (0 ..< ints).map { [255, 128, 195][$0 % 3] }
            func pickle(_ text: [UInt8]) -> [UInt8] {
                [0x80, 0x04, 0x28, 0x8C, UInt8(text.count)] + text + values.flatMap { [0x4B, UInt8($0)] } + [0x74, 0x2E]
            }
            let ascii = [UInt8](repeating: 0x61, count: length)
            let expected = "[\"\(String(repeating: "a", count: length))\"," + values.map(String.init).joined(separator: ",") + "]"
            #expect(try decodeJSON(pickle(ascii)) == expected)
            for bad: [UInt8] in [[0x80], [0xC3], [0xFF], [0xED]] {
                var text = ascii
                text.replaceSubrange((length - 1)..., with: bad)
                #expect(decodeError(pickle(text)) == .invalidText, "\(bad) last of \(length), \(ints) ints after")
                // A valid two-byte character at the end is still text.
                var accented = ascii
                accented.replaceSubrange((length - 1)..., with: [0xC3, 0xA9])
                #expect(try decodeJSON(pickle(accented)).hasPrefix("[\"" + String(repeating: "a", count: length - 1) + "é\","))
            }
        }
        // Near the input's end (fewer than 8 readable bytes) the same rules hold.
        let ascii = [UInt8](repeating: 0x61, count: length)
        let atEnd: [UInt8] = [0x80, 0x04, 0x8C, UInt8(length)] + ascii + [0x2E]
        #expect(try decodeJSON(atEnd) == "\"\(String(repeating: "a", count: length))\"")
        var badAtEnd = atEnd
        badAtEnd[3 + length] = 0xC3
        #expect(decodeError(badAtEnd) == .invalidText)
    }

    /// Non-ASCII at every position of texts around the 8- and 16-byte strides: valid stays, invalid fails.
    @Test func textStrideBoundaries() throws {
        let cases: [(insert: [UInt8], valid: Bool)] = [
            (Array("é".utf8), true), (Array("€".utf8), true), (Array("😀".utf8), true),
            ([0xC3], false), ([0xE2, 0x82], false), ([0xC0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false),
            // Runs of two-byte characters, checked a word at a time, and what must leave that path.
            (Array("éàüß".utf8), true), (Array("é€ü".utf8), true), ([0xC2, 0x80, 0xDF, 0xBF], true),
            ([0xC1, 0xBF], false), ([0x80], false), ([0xC3, 0xA9, 0xA9], false), ([0xC3, 0xC3, 0xA9], false),
            ([0xC3, 0xA9, 0xC3], false), ([0xC3, 0xA9, 0xE2, 0x82], false), ([0xED, 0xA0, 0x80], false),
        ]
        for length in [7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 40] {
            for at in 0 ... length {
                for (insert, valid) in cases {
                    var text = [UInt8](repeating: 0x62, count: length)
                    text.insert(contentsOf: insert, at: at)
                    let pickle: [UInt8] = [0x80, 0x04, 0x58] + Self.le32(text.count) + text + [0x94, 0x2E]
                    if valid {
                        let expected = "\"" + String(decoding: text, as: UTF8.self) + "\""
                        #expect(try decodeJSON(pickle) == expected)
                    } else {
                        #expect(decodeError(pickle) == .invalidText, "\(insert) at \(at) of \(length)")
                    }
                }
            }
        }
    }

    /// Random texts biased to the bytes the word checks treat apart (ASCII, two-byte leads, continuations,
    /// C0/C1, three- and four-byte leads) are text exactly when Swift's own validator accepts them.
    @Test func randomTextsAgreeWithSwiftsValidator() throws {
        let alphabet: [UInt8] = [0x61, 0x20, 0x7F, 0xC2, 0xC3, 0xDF, 0x80, 0xA9, 0xBF, 0xC0, 0xC1,
                                 0xE0, 0xE2, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x82, 0xAC]
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0 ..< 20000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let n = Int(x % 25)
            var text: [UInt8] = []
            for k in 0 ..< n {
                let r = (x >> UInt64(2 * k % 48)) ^ (x >> 40)
                // Mostly ASCII and Latin pairs, sometimes anything from the alphabet.
                if r % 4 == 0 { text += [0xC3, 0xA9] } else if r % 7 == 0 { text.append(alphabet[Int(r % UInt64(alphabet.count))]) } else { text.append(0x62) }
            }
            let pickle: [UInt8] = [0x80, 0x04, 0x58] + Self.le32(text.count) + text + [0x94, 0x2E]
            if let s = String(validating: text, as: UTF8.self) {
                let doc = try PickleDecoder().decode(pickle: pickle)
                guard case .string(let got) = doc[doc.root] else {
                    Issue.record("\(text) is not a str")
                    continue
                }
                #expect(got == s, "\(text)")
            } else {
                #expect(decodeError(pickle) == .invalidText, "\(text)")
            }
        }
    }

    // MARK: - Globals

    /// Names that share a common name's lengths and first letters are other classes, by GLOBAL and STACK_GLOBAL.
    @Test func nearMissGlobalsAreOtherClasses() throws {
        for (module, name) in [("datetimX", "date"), ("datetime", "dats"), ("uuid", "UUIE"), ("web.utilz", "Storage"),
                               ("builtins", "sex"), ("decimal", "DecimaL")] {
            let text: [UInt8] = [0x63] + asciiBytes("\(module)\n\(name)\n") + [0x29, 0x52, 0x2E]  // GLOBAL, (), REDUCE
            let stack: [UInt8] = [0x80, 0x04, 0x8C, UInt8(module.utf8.count)] + asciiBytes(module)
                + [0x8C, UInt8(name.utf8.count)] + asciiBytes(name) + [0x93, 0x29, 0x52, 0x2E]
            let expected = "{\"$class\":\"\(module).\(name)\",\"$args\":[]}"
            #expect(try decodeJSON(text) == expected)
            #expect(try decodeJSON(stack) == expected)
        }
    }

    /// The common names themselves still construct their types on both opcodes.
    @Test func commonGlobalsByBothOpcodes() throws {
        let dateArgs: [UInt8] = [0x43, 0x04, 0x07, 0xE8, 0x02, 0x1D, 0x85]  // (b'\x07\xe8\x02\x1d',)
        let text: [UInt8] = [0x63] + asciiBytes("datetime\ndate\n") + dateArgs + [0x52, 0x2E]
        let stack: [UInt8] = [0x80, 0x04, 0x8C, 0x08] + asciiBytes("datetime") + [0x8C, 0x04] + asciiBytes("date")
            + [0x93] + dateArgs + [0x52, 0x2E]
        #expect(try decodeJSON(text) == "\"2024-02-29\"")
        #expect(try decodeJSON(stack) == "\"2024-02-29\"")
        let storage: [UInt8] = [0x80, 0x02, 0x63] + asciiBytes("web.utils\nStorage\n") + [0x29, 0x81, 0x7D, 0x62, 0x2E]
        #expect(try decodeJSON(storage) == "{}")
    }

    /// GLOBAL checks its module line before reading the name line, as two separate reads would.
    @Test func globalErrorsInReadingOrder() throws {
        // A module line that is not UTF-8 and no name line: the module is reported.
        #expect(decodeError([0x63, 0xFF, 0x0A, 0x61]) == .invalidText)
        // A good module and a name line that is not UTF-8.
        #expect(decodeError([0x63] + asciiBytes("datetime\n") + [0xFF, 0x0A, 0x2E]) == .invalidText)
        // A good module and no name line.
        #expect(decodeError([0x63] + asciiBytes("datetime\ndate")) == .truncated)
        // A non-ASCII module with a name is an ordinary class.
        #expect(try decodeJSON([0x63] + asciiBytes("datétime\ndate\n") + [0x29, 0x52, 0x2E])
                    == "{\"$class\":\"datétime.date\",\"$args\":[]}")
    }

    // MARK: - MEMOIZE and BINPUT after the opcode they follow

    /// The memo opcode run with its predecessor still counts against maxOpcodes and is the one reported.
    @Test func fusedMemoizeCountsAsAnOpcode() {
        // PROTO 4, SHORT_BINUNICODE 'a', MEMOIZE, STOP: four opcodes; MEMOIZE at offset 5.
        let p4: [UInt8] = [0x80, 0x04, 0x8C, 0x01, 0x61, 0x94, 0x2E]
        // PROTO 2, BINUNICODE 'a', BINPUT 0, STOP: BINPUT at offset 8.
        let p2: [UInt8] = [0x80, 0x02, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x00, 0x2E]
        for (pickle, memoAt) in [(p4, 5), (p2, 8)] {
            #expect(failure(pickle, PickleLimits(maxOpcodes: 4)) == nil)
            #expect(failure(pickle, PickleLimits(maxOpcodes: 3))?.offset == pickle.count - 1)
            let atMemo = failure(pickle, PickleLimits(maxOpcodes: 2))
            #expect(atMemo?.code == .limitExceeded && atMemo?.offset == memoAt && atMemo?.opcode == pickle[memoAt])
            let memoFull = failure(pickle, PickleLimits(maxMemoEntries: 0))
            #expect(memoFull?.code == .limitExceeded && memoFull?.offset == memoAt && memoFull?.opcode == pickle[memoAt])
        }
    }

    /// A memoized container is filled later and seen filled through GET, after every fused predecessor.
    @Test func fusedMemoizeKeepsReferences() throws {
        // [ {}, (), 'x', b'y', ('z',) ] each memoized, then each fetched again by BINGET.
        var p: [UInt8] = [0x80, 0x04, 0x5D, 0x94, 0x28]  // EMPTY_LIST, MEMOIZE(0), MARK
        p += [0x7D, 0x94]                              // EMPTY_DICT, MEMOIZE(1)
        p += [0x8C, 0x01, 0x78, 0x94]                  // 'x', MEMOIZE(2)
        p += [0x43, 0x01, 0x79, 0x94]                  // b'y', MEMOIZE(3)
        p += [0x8C, 0x01, 0x7A, 0x94, 0x85, 0x94]      // 'z' MEMOIZE(4), TUPLE1, MEMOIZE(5)
        p += [0x68, 0x01, 0x68, 0x02, 0x68, 0x03, 0x68, 0x05, 0x65]  // BINGET 1, 2, 3, 5; APPENDS
        p += [0x68, 0x01, 0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x73, 0x30, 0x2E]  // BINGET 1, 'k', 1, SETITEM, POP, STOP
        #expect(try decodeJSON(p) == "[{\"k\":1},\"x\",{\"$bytes\":\"eQ==\"},[\"z\"],{\"k\":1},\"x\",{\"$bytes\":\"eQ==\"},[\"z\"]]")
    }

    // MARK: - uuid.UUID by NEWOBJ

    /// NEWOBJ of uuid.UUID with no arguments gives the inert object the general path gives (reached
    /// here through `copyreg.__newobj__`), which a BUILD of `{'int': n}` then completes, on both paths.
    @Test func uuidNewObjMatchesGeneralPath() throws {
        let cls: [UInt8] = [0x63] + asciiBytes("uuid\nUUID\n")
        let fast: [UInt8] = [0x80, 0x02] + cls + [0x29, 0x81]                    // UUID.__new__(UUID)
        let general: [UInt8] = [0x80, 0x02, 0x63] + asciiBytes("copyreg\n__newobj__\n") + cls + [0x85, 0x52]
        let state: [UInt8] = [0x7D, 0x58, 0x03, 0x00, 0x00, 0x00] + asciiBytes("int") + [0x4B, 0x05, 0x73, 0x62]  // {'int': 5} BUILD
        let long: [UInt8] = [0x7D, 0x58, 0x03, 0x00, 0x00, 0x00] + asciiBytes("int")
            + [0x8A, 0x11] + [UInt8](repeating: 0xAB, count: 15) + [0x7F, 0x00] + [0x73, 0x62]  // 17 bytes, below 2**128
        let bare = try decodeJSON(fast + [0x2E])
        #expect(bare == "{\"$class\":\"uuid.UUID\",\"$args\":[]}")
        #expect(try decodeJSON(general + [0x2E]) == bare)
        #expect(try decodeJSON(fast + state + [0x2E]) == "\"00000000-0000-0000-0000-000000000005\"")
        #expect(try decodeJSON(general + state + [0x2E]) == "\"00000000-0000-0000-0000-000000000005\"")
        #expect(try decodeJSON(fast + long + [0x2E]) == "\"7fababab-abab-abab-abab-abababababab\"")
        #expect(try decodeJSON(general + long + [0x2E]) == "\"7fababab-abab-abab-abab-abababababab\"")
        // With arguments, NEWOBJ is not the shortcut's: UUID.__new__(UUID, 'x') stays an object with them.
        let withArgs: [UInt8] = [0x80, 0x02] + cls + [0x58, 0x01, 0x00, 0x00, 0x00, 0x78, 0x85, 0x81, 0x2E]
        #expect(try decodeJSON(withArgs) == "{\"$class\":\"uuid.UUID\",\"$args\":[\"x\"]}")
    }

    // MARK: - Helpers

    /// TUPLE1-3 (written out in the loop) give what MARK ... TUPLE gives: the same value, and under
    /// every container, budget and depth limit the same error (one opcode earlier, without the MARK).
    @Test func smallTuplesMatchMarkTuple() throws {
        let items: [[UInt8]] = [[0x4B, 0x01], [0x8C, 0x01, 0x61], [0x4B, 0x03]]  // 1, "a", 3
        for n in 1 ... 3 {
            let body = items[0 ..< n].flatMap { $0 }
            // A value below the tuple, and the tuple memoized and fetched again: [x, t, t].
            let small: [UInt8] = [0x80, 0x04, 0x5D, 0x94, 0x4B, 0x09] + body + [0x84 + UInt8(n), 0x94, 0x68, 0x01, 0x87, 0x2E]
            let marked: [UInt8] = [0x80, 0x04, 0x5D, 0x94, 0x4B, 0x09, 0x28] + body + [0x74, 0x94, 0x68, 0x01, 0x87, 0x2E]
            #expect(try decodeJSON(small) == decodeJSON(marked))
            for containers in 0 ... 4 {
                for budget in stride(from: 0, through: 160, by: 4) {
                    for depth in 1 ... 6 {
                        var limits = PickleLimits.default
                        limits.maxContainerElements = containers
                        limits.maxDecodedBytes = budget
                        limits.maxStackDepth = depth
                        let a = failure(small, limits), b = failure(marked, limits)
                        #expect(a?.code == b?.code && a?.detail == b?.detail, "n \(n) \(containers) \(budget) \(depth)")
                        if let a, let b {
                            // The MARK sits at byte 6: errors from there on are one byte later, the tuple's on TUPLE.
                            let inner = 6 + body.count
                            #expect(a.offset.map { $0 >= 6 ? $0 + 1 : $0 } == b.offset, "\(a) \(b)")
                            #expect(a.offset == inner ? b.opcode == 0x74 : a.opcode == b.opcode, "\(a) \(b)")
                        }
                    }
                }
            }
            // Too few items, or items only below a MARK: the stack underflows.
            #expect(decodeError([0x80, 0x04] + items[0 ..< n - 1].flatMap { $0 } + [0x84 + UInt8(n), 0x2E]) == .stackUnderflow)
            #expect(decodeError([0x80, 0x04] + body + [0x28, 0x84 + UInt8(n), 0x2E]) == .stackUnderflow)
        }
    }

    func decodeJSON(_ bytes: [UInt8]) throws -> String { try PickleDecoder().decode(pickle: bytes).canonicalJSON() }

    func failure(_ bytes: [UInt8], _ limits: PickleLimits) -> PickleError? {
        do {
            _ = try PickleDecoder(limits: limits).decode(pickle: bytes)
            return nil
        } catch {
            return error
        }
    }
}
