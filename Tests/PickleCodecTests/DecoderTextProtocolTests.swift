import Testing
import PickleCodec

/// Protocol 0's line opcodes (UNICODE, PUT/GET index lines, INT) take one-pass shortcuts: a word-at-a-time
/// scan that finds the newline and the bytes needing escapes at once, a PUT run right after the UNICODE
/// it follows, digits parsed while the newline is found. They must give the values, errors, offsets and
/// opcode counts of the rules they shortcut, which a byte-at-a-time model here spells out.
@Suite struct DecoderTextProtocolTests {
    // MARK: - Models and helpers

    enum Outcome: Equatable, CustomStringConvertible {
        case text(String)
        case error(PickleError.Code, offset: Int?, detail: String)

        var description: String {
            switch self {
            case .text(let s): return "text \(s.unicodeScalars.map { String($0.value, radix: 16) })"
            case .error(let c, let o, let d): return "\(c) at \(o.map(String.init) ?? "-"): \(d)"
            }
        }
    }

    /// UNICODE's raw-unicode-escape rules, one byte at a time: Latin-1 bytes, `\uXXXX` and `\UXXXXXXXX`
    /// escapes (an odd backslash run before `u`), escaped surrogate pairs joined, an unpaired one an error
    /// reported only when no escape of the line is invalid. Nil text means the line is an error, named.
    static func modelRawUnicodeEscape(_ line: [UInt8]) -> (text: [UInt8]?, detail: String) {
        func hex(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30 ... 0x39: return UInt32(c - 0x30)
            case 0x41 ... 0x46: return UInt32(c - 0x41 + 10)
            case 0x61 ... 0x66: return UInt32(c - 0x61 + 10)
            default: return nil
            }
        }
        var out: [UInt8] = []
        func put(_ v: UInt32) { out += Array(String(Unicode.Scalar(v)!).utf8) }
        var high: UInt32 = 0
        var unpaired = false
        var i = 0
        let end = line.count
        while i < end {
            let c = line[i]
            i += 1
            var v: UInt32
            if c != 0x5C {
                v = UInt32(c)
            } else if i < end, line[i] == 0x75 || line[i] == 0x55 {
                let digits = line[i] == 0x75 ? 4 : 8
                i += 1
                guard end - i >= digits else { return (nil, "truncated \\u escape in UNICODE") }
                v = 0
                for k in 0 ..< digits {
                    guard let h = hex(line[i + k]) else { return (nil, "bad \\u escape in UNICODE") }
                    v = v << 4 | h
                }
                i += digits
                guard v <= 0x10FFFF else { return (nil, "\\U escape out of range in UNICODE") }
            } else {
                v = UInt32(c)
                if i < end {  // a backslash and the byte after it are both literal
                    if high != 0 { unpaired = true; high = 0 }
                    if !unpaired { put(v) }
                    v = UInt32(line[i])
                    i += 1
                }
            }
            if high != 0 {
                if v >= 0xDC00 && v <= 0xDFFF {
                    put(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00))
                    high = 0
                    continue
                }
                unpaired = true
                high = 0
            }
            if v >= 0xD800 && v <= 0xDBFF {
                high = v
            } else if v >= 0xDC00 && v <= 0xDFFF {
                unpaired = true
            } else if !unpaired {
                put(v)
            }
        }
        if high != 0 || unpaired { return (nil, "unpaired surrogate in string") }
        return (out, "")
    }

    static func outcome(_ pickle: [UInt8], limits: PickleLimits = .default, _ value: (PickleDocument) -> String? = rootText) -> Outcome {
        do {
            let doc = try PickleDecoder(limits: limits).decode(pickle: pickle)
            return .text(value(doc) ?? "<not text>")
        } catch {
            return .error(error.code, offset: error.offset, detail: error.detail)
        }
    }

    static func rootText(_ doc: PickleDocument) -> String? {
        if case .string(let s) = doc[doc.root] { return s }
        return nil
    }

    /// The texts of a list root, joined by "|".
    static func listTexts(_ doc: PickleDocument) -> String? {
        guard case .list(let items) = doc[doc.root] else { return nil }
        return items.map { ref -> String in
            switch doc[ref] {
            case .string(let s): return s
            case .int(let v): return "#\(v)"
            case .bool(let b): return "?\(b)"
            case .py2String(let b): return "b" + b.bytes.map { String($0, radix: 16) }.joined(separator: ",")
            default: return "<other>"
            }
        }.joined(separator: "|")
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Deterministic pseudo-random numbers (xorshift).
    struct Rng {
        var x: UInt64
        init(_ seed: UInt64) { x = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next(_ n: Int) -> Int {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return Int(x % UInt64(n))
        }
    }

    /// Pieces of raw-unicode-escape lines: literals of every class, escapes valid and not, surrogates.
    static let fragments: [[UInt8]] = [
        "a", "Z", " ", "\\", "u", "U", "x", "0", "9", "f", "F", "g", "\\\\", "abcdefgh", "0123456789abcdef",
        "\\u0041", "\\u00e9", "\\u20AC", "\\u005c", "\\u000a", "\\U0001F600", "\\U0010ffff", "\\U00110000", "\\UFFFFFFFF",
        "\\uD800", "\\udbff", "\\uDC00", "\\udfff", "\\ud83d\\ude00", "\\U0000D83D", "\\U0000DE00",
        "\\uZZZZ", "\\u12", "\\U1234", "\\u00g0", "\\\\u0041", "\\x41", "\\n",
    ].map { bytes($0) } + [[0xE9], [0xFF], [0x80], [0x00], [0x1A], [0x0D], [0xC3, 0xA9], [0x5C, 0xE9]]

    static func randomLine(_ rng: inout Rng) -> [UInt8] {
        var line: [UInt8] = []
        for _ in 0 ..< rng.next(24) { line += fragments[rng.next(fragments.count)] }
        return line
    }

    /// The outcome the model gives for a UNICODE line at `offset` that is the root.
    static func expected(_ line: [UInt8], at offset: Int) -> Outcome {
        let m = modelRawUnicodeEscape(line)
        guard let text = m.text else { return .error(.invalidText, offset: offset, detail: m.detail) }
        return .text(String(decoding: text, as: UTF8.self))
    }

    // MARK: - UNICODE

    /// Lines built from every kind of literal and escape decode as the byte-at-a-time rules say, with
    /// the line at every alignment, near the end of the input (the general path) and far from it.
    @Test func unicodeLinesMatchTheModel() {
        var rng = Rng(1)
        for n in 0 ..< 6000 {
            let line = Self.randomLine(&rng)
            let pad = Array(repeating: UInt8(0x71), count: n % 11)  // shifts the line against 8-byte words
            let prefix = Self.bytes("(lp0\nV") + pad + Self.bytes("\np1\n0")  // a list, then a str popped
            let short = prefix + [0x56] + line + Self.bytes("\np2\n.")
            let long = prefix + [0x56] + line + Self.bytes("\np2\nV0123456789abcdef\n0.")
            let want = Self.expected(line, at: prefix.count)
            #expect(Self.outcome(short) == want, "short \(line)")
            #expect(Self.outcome(long) == want, "long \(line)")
        }
    }

    /// Many escaped lines in one pickle, short and long, each decoded into the growing heap: every
    /// value stays as the model gives it (those before a growth included).
    @Test func manyEscapedLinesInOnePickle() {
        var rng = Rng(3)
        for round in 0 ..< 20 {
            var pickle = Self.bytes("(lp0\n")
            var want: [String] = []
            for k in 0 ..< 40 + round * 10 {
                var line = [UInt8(0xE9)]
                for _ in 0 ..< rng.next(round < 10 ? 12 : 300) { line += Self.fragments[rng.next(Self.fragments.count)] }
                guard let text = Self.modelRawUnicodeEscape(line).text else { continue }
                want.append(String(decoding: text, as: UTF8.self))
                pickle += [0x56] + line + Self.bytes("\np\(k + 1)\na")
            }
            pickle += Self.bytes(".")
            #expect(Self.outcome(pickle, Self.listTexts) == .text(want.joined(separator: "|")), "round \(round)")
        }
    }

    /// Long escaped lines (the heap grows while one is decoded), whole or cut anywhere near their end.
    @Test func longEscapedLines() {
        var rng = Rng(9)
        for round in 0 ..< 12 {
            var line: [UInt8] = []
            for _ in 0 ..< 500 * (round + 1) { line += Self.fragments[rng.next(Self.fragments.count)] }
            if round % 2 == 0 { line = line.filter { $0 != 0x5C } }  // no escapes: decodes whatever the bytes
            let pickle = [0x56] + line + Self.bytes("\np0\n.")
            #expect(Self.outcome(pickle) == Self.expected(line, at: 0), "round \(round)")
            for cut in stride(from: pickle.count - 1, to: pickle.count - 40, by: -3) {
                let n = line.count
                let want: Outcome
                if cut <= n + 1 {
                    want = .error(.truncated, offset: 0, detail: "input ended inside a text argument")  // no newline
                } else if case .error = Self.expected(line, at: 0) {
                    want = Self.expected(line, at: 0)
                } else if cut == n + 3 || cut == n + 4 {
                    want = .error(.truncated, offset: n + 2, detail: "input ended inside a text argument")  // "p", "p0"
                } else {
                    want = .error(.truncated, offset: cut, detail: "input ended before STOP")
                }
                #expect(Self.outcome(Array(pickle.prefix(cut))) == want, "round \(round) cut \(cut)")
            }
        }
    }

    /// Each fragment, and each pair, at every offset inside a line of plain ASCII.
    @Test func unicodeEscapesAtEveryPosition() {
        for f in Self.fragments {
            for g in [[]] + Self.fragments {
                for at in 0 ... 17 {
                    let line = Array(Self.bytes("abcdefghijklmnopq").prefix(at)) + f + g + Self.bytes("rstuvwxyz")
                    let pickle = [0x56] + line + Self.bytes("\np0\n.")
                    #expect(Self.outcome(pickle) == Self.expected(line, at: 0), "\(line)")
                }
            }
        }
    }

    /// UNICODE lines CPython's `pickle.dumps(s, 0)` wrote (and one of Python 2's surrogate pairs).
    @Test func unicodeLinesFromCPython() {
        let cases: [(String, [UInt8])] = [
            ("", Self.bytes("V\np0\n.")),
            ("plain ascii text", Self.bytes("Vplain ascii text\np0\n.")),
            ("caf\u{e9}", Self.bytes("Vcaf") + [0xE9] + Self.bytes("\np0\n.")),
            ("\u{ff}\u{0}\u{1}", [0x56, 0xFF] + Self.bytes("\\u0000") + [0x01] + Self.bytes("\np0\n.")),
            ("back\\slash", Self.bytes("Vback\\u005cslash\np0\n.")),
            ("\\u0041 literal", Self.bytes("V\\u005cu0041 literal\np0\n.")),
            ("line\nbreak", Self.bytes("Vline\\u000abreak\np0\n.")),
            ("\u{1a}", Self.bytes("V\\u001a\np0\n.")),
            ("\u{20ac} euro", Self.bytes("V\\u20ac euro\np0\n.")),
            ("\u{1F600} smile", Self.bytes("V\\U0001f600 smile\np0\n.")),
            ("\u{1F600}", Self.bytes("V\\ud83d\\ude00\np0\n.")),
            ("mixed \u{e9}\\\u{20ac}\u{1F600}\n end",
             Self.bytes("Vmixed ") + [0xE9] + Self.bytes("\\u005c\\u20ac\\U0001f600\\u000a end\np0\n.")),
            (String(repeating: "x", count: 40) + "\u{e9}" + String(repeating: "y", count: 9),
             Self.bytes("V" + String(repeating: "x", count: 40)) + [0xE9] + Self.bytes("yyyyyyyyy\np0\n.")),
        ]
        for (text, pickle) in cases {
            #expect(Self.outcome(pickle) == .text(text), "\(pickle)")
        }
    }

    /// A pickle cut at every byte fails where its opcodes say: inside a line at the line's opcode,
    /// between opcodes at the cut.
    @Test func truncationAtEveryByte() {
        let lines: [[UInt8]] = [Self.bytes("("), Self.bytes("l"), Self.bytes("p0\n"), Self.bytes("Vplain text of some length\n"), Self.bytes("p1\n"),
                                Self.bytes("a"), [0x56, 0xE9, 0x20] + Self.bytes("caf\\u00e9 \\U0001f600 long enough\n"),
                                Self.bytes("p2\n"), Self.bytes("a"), Self.bytes("Vab\n"), Self.bytes("p3\n"), Self.bytes("a"),
                                Self.bytes("g2\n"), Self.bytes("a"), Self.bytes("I12345\n"), Self.bytes("a"), Self.bytes(".")]
        let pickle = lines.flatMap { $0 }
        #expect(Self.outcome(pickle, Self.listTexts) == .text("plain text of some length|\u{e9} caf\u{e9} \u{1F600} long enough|ab|\u{e9} caf\u{e9} \u{1F600} long enough|#12345"))
        var starts: [Int] = []
        var at = 0
        for l in lines { starts.append(at); at += l.count }
        for cut in 0 ..< pickle.count {
            let op = starts.last { $0 <= cut }!
            let want: Outcome = op == cut
                ? .error(.truncated, offset: cut, detail: "input ended before STOP")
                : .error(.truncated, offset: op, detail: "input ended inside a text argument")
            #expect(Self.outcome(Array(pickle.prefix(cut))) == want, "cut at \(cut)")
        }
    }

    /// A UNICODE line inside a protocol-4 FRAME: a line crossing the frame's end is `.badFrame`; a line
    /// starting exactly at the end closes the frame and reads on past it, as before (PUT's line too).
    @Test func unicodeLinesAndFrameEnds() {
        for line in [Self.bytes("plain words here"), Self.bytes("caf") + [0xE9] + Self.bytes(" \\u20ac and more")] {
            let body = [0x56] + line + Self.bytes("\np0\n.")
            for frameLength in 0 ... body.count {
                var pickle: [UInt8] = [0x80, 0x04, 0x95]
                pickle += withUnsafeBytes(of: UInt64(frameLength).littleEndian, Array.init)
                pickle += body
                let want: Outcome
                if frameLength >= 2 && frameLength <= line.count + 1 {
                    want = .error(.badFrame, offset: 11, detail: "text argument crosses the end of its frame")
                } else if frameLength == line.count + 4 {  // the PUT's index line crosses the end
                    want = .error(.badFrame, offset: line.count + 13, detail: "text argument crosses the end of its frame")
                } else {
                    want = Self.expected(line, at: 11)
                }
                #expect(Self.outcome(pickle) == want, "frame of \(frameLength)")
            }
        }
    }

    /// The PUT run right after a UNICODE counts as its own opcode: the opcode limit falls on it as
    /// in the main loop, and its errors name it.
    @Test func putAfterUnicodeCountsAndFails() {
        let pickle = Self.bytes("Vsome text here\np0\n0g0\n.")  // 5 opcodes: V p 0 g .
        let offsets = [0, 16, 19, 20, 23]
        for maxOpcodes in 1 ... 5 {
            var limits = PickleLimits.default
            limits.maxOpcodes = maxOpcodes
            let want: Outcome = maxOpcodes == 5 ? .text("some text here")
                : .error(.limitExceeded, offset: offsets[maxOpcodes], detail: "more opcodes than maxOpcodes")
            #expect(Self.outcome(pickle, limits: limits) == want, "maxOpcodes \(maxOpcodes)")
        }
        for index in ["", "x", "-1", "1x", " 1", "1234567890123456789"] {
            for text in ["short", "a longer text line"] {
                let p = Self.bytes("V\(text)\np\(index)\n.")
                #expect(Self.outcome(p) == .error(.invalidText, offset: text.count + 2, detail: "memo index is not a small decimal"))
            }
        }
        // A sparse PUT index, and one repeated, go through the general memo.
        let doc = Self.outcome(Self.bytes("(lp0\nVabcdefghij\np7\naVcdefghijkl\np7\nag7\na."), Self.listTexts)
        #expect(doc == .text("abcdefghij|cdefghijkl|cdefghijkl"))
    }

    /// The PUT run right after LIST, TUPLE, DICT, GLOBAL and REDUCE (as protocol 0 writes each) counts
    /// as its own opcode, and its errors name it, as in the main loop.
    @Test func putAfterContainersGlobalsAndReduceCountsAndFails() {
        let text = "(lp0\n(I1\ntp1\na(dp2\nVk\np3\nI2\nsacfoo\nbar\np4\n(tp5\nRp6\na."
        let pickle = Self.bytes(text)
        // Every opcode's offset (pickletools.genops); the PUTs are at 2, 10, 16, 22, 39, 44 and 48.
        let offsets = [0, 1, 2, 5, 6, 9, 10, 13, 14, 15, 16, 19, 22, 25, 28, 29, 30, 39, 42, 43, 44, 47, 48, 51, 52]
        let json = "[[1],{\"k\":2},{\"$class\":\"foo.bar\",\"$args\":[]}]"
        for maxOpcodes in 1 ... offsets.count {
            var limits = PickleLimits.default
            limits.maxOpcodes = maxOpcodes
            do {
                let got = try PickleDecoder(limits: limits).decode(pickle: pickle).canonicalJSON()
                #expect(maxOpcodes == offsets.count && got == json, "maxOpcodes \(maxOpcodes)")
            } catch {
                #expect(maxOpcodes < offsets.count, "maxOpcodes \(maxOpcodes)")
                #expect(error.code == .limitExceeded && error.offset == offsets[min(maxOpcodes, offsets.count - 1)],
                        "maxOpcodes \(maxOpcodes): \(error)")
            }
        }
        // A bad index on each of those PUTs: the error is the PUT's, at its offset.
        for put in [2, 10, 22, 39, 44, 48] {
            var bad = pickle
            bad.insert(0x78, at: put + 1)  // "x" before the index digits
            #expect(throws: PickleError.self) { try PickleDecoder().decode(pickle: bad) }
            do {
                _ = try PickleDecoder().decode(pickle: bad)
            } catch {
                #expect(error.code == .invalidText && error.offset == put && error.opcode == 0x70, "PUT at \(put): \(error)")
            }
        }
    }

    // MARK: - STRING

    /// STRING lines without a backslash (one pass: the quoted line is its own text) give the bytes
    /// between the quotes, or `.invalidText` when unquoted, as the general path says; lines with
    /// escapes, CPython 2 style, go to the general path.
    @Test func stringLines() {
        let pieces: [[UInt8]] = [[0x27], [0x22], [0x61], [0x20], [0xE9], [0x00], [0x0D], Self.bytes("abcdefgh"), [0x5C, 0x27]]
        var rng = Rng(11)
        for n in 0 ..< 4000 {
            var line: [UInt8] = []
            for _ in 0 ..< rng.next(12) { line += pieces[rng.next(n % 3 == 0 ? pieces.count : pieces.count - 1)] }
            if n % 4 != 0 { line = [0x27] + line + [0x27] }
            let pad = Array(repeating: UInt8(0x71), count: n % 9)
            let prefix = Self.bytes("(lp0\nV") + pad + Self.bytes("\np1\n0")
            let pickle = prefix + [0x53] + line + Self.bytes("\np2\naS'0123456789abcdef'\np3\na.")
            let got = Self.outcome(pickle, Self.listTexts)
            if line.contains(0x5C) {
                // The general path either way: the same line at the very end of the input agrees.
                let atEnd = Self.outcome([0x53] + line + Self.bytes("\n."), { doc in
                    if case .py2String(let b) = doc[doc.root] { return "b" + b.bytes.map { String($0, radix: 16) }.joined(separator: ",") }
                    return nil
                })
                switch (got, atEnd) {
                case (.text(let t), .text(let u)): #expect(t == u + "|b30,31,32,33,34,35,36,37,38,39,61,62,63,64,65,66", "\(line)")
                case (.error(let c, _, let d), .error(let c2, _, let d2)): #expect(c == c2 && d == d2, "\(line)")
                default: Issue.record("\(line): \(got) vs \(atEnd)")
                }
                continue
            }
            let quoted = line.count >= 2 && (line[0] == 0x27 || line[0] == 0x22) && line.last == line[0]
            let want: Outcome = quoted
                ? .text("b" + line.dropFirst().dropLast().map { String($0, radix: 16) }.joined(separator: ",") + "|b30,31,32,33,34,35,36,37,38,39,61,62,63,64,65,66")
                : .error(.invalidText, offset: prefix.count, detail: "STRING argument must be quoted")
            #expect(got == want, "\(line)")
        }
        // CPython 2's repr of str values.
        let cases: [([UInt8], [UInt8])] = [
            (Self.bytes("S'caf\\xe9'\np0\n."), [0x63, 0x61, 0x66, 0xE9]),
            (Self.bytes("S'it\\'s'\np0\n."), Self.bytes("it's")),
            (Self.bytes("S\"it's\"\np0\n."), Self.bytes("it's")),
            (Self.bytes("S'tab\\there\\n'\np0\n."), Self.bytes("tab\there\n")),
            (Self.bytes("S'plain session value'\np0\n."), Self.bytes("plain session value")),
            (Self.bytes("S''\np0\n."), []),
        ]
        for (pickle, bytes) in cases {
            let doc = try? PickleDecoder().decode(pickle: pickle)
            #expect(doc.map { $0[$0.root] } == .py2String(PickleBytes(bytes)), "\(pickle)")
        }
        // The PUT after a STRING counts as an opcode, and fails as one.
        var limits = PickleLimits.default
        limits.maxOpcodes = 1
        #expect(Self.outcome(Self.bytes("S'long enough value'\np0\n."), limits: limits)
                == .error(.limitExceeded, offset: 21, detail: "more opcodes than maxOpcodes"))
        #expect(Self.outcome(Self.bytes("S'long enough value'\npx\n."))
                == .error(.invalidText, offset: 21, detail: "memo index is not a small decimal"))
        #expect(Self.outcome(Self.bytes("(lp0\nS'long enough value'\np1\nag1\na."), Self.listTexts)
                == .text("b6c,6f,6e,67,20,65,6e,6f,75,67,68,20,76,61,6c,75,65|b6c,6f,6e,67,20,65,6e,6f,75,67,68,20,76,61,6c,75,65"))
    }

    // MARK: - PUT and GET index lines

    /// Index lines of every shape: at most 18 digits make an index, anything else is `.invalidText`.
    @Test func indexLines() {
        let indices = ["0", "1", "12", "007", "99", "123456789012345678", "1234567890123456789", "", "-1", "+1",
                       "1a", " 1", "1 ", "\u{e9}"]
        for index in indices {
            let valid = !index.isEmpty && index.utf8.count <= 18 && index.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            for lead in ["N", "(lp0\nN"] {  // after NONE (no fused PUT) and after a list
                let p = Self.bytes("\(lead)p\(index)\n0g\(index)\n.")
                let at = lead.utf8.count
                let got: Outcome
                do {
                    let doc = try PickleDecoder().decode(pickle: p)
                    if case .none = doc[doc.root] { got = .text("none") } else { got = .text("other") }
                } catch {
                    got = .error(error.code, offset: error.offset, detail: error.detail)
                }
                let want: Outcome = valid ? .text("none") : .error(.invalidText, offset: at, detail: "memo index is not a small decimal")
                #expect(got == want, "index \(index)")
            }
        }
        // A GET of an index never PUT, and index lines cut short.
        #expect(Self.outcome(Self.bytes("Vx\np1\ng2\n.")) == .error(.memoMissing, offset: 6, detail: "memo index was never PUT"))
        #expect(Self.outcome(Self.bytes("Vx\np1\ng1")) == .error(.truncated, offset: 6, detail: "input ended inside a text argument"))
        #expect(Self.outcome(Self.bytes("Vx\np12")) == .error(.truncated, offset: 3, detail: "input ended inside a text argument"))
    }

    // MARK: - INT lines

    /// INT lines of every shape: the strict decimal rules, Python 2's booleans, leading zeros refused.
    @Test func intLines() {
        func model(_ s: String) -> Outcome {
            if s == "00" { return .text("?false") }
            if s == "01" { return .text("?true") }
            var digits = Substring(s)
            var negative = false
            if let f = digits.first, f == "-" || f == "+" {
                negative = f == "-"
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty else { return .error(.invalidText, offset: 5, detail: "integer has no digits") }
            guard digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .error(.invalidText, offset: 5, detail: "integer has a non-digit")
            }
            if digits.count > 1 && digits.first == "0" { return .error(.invalidText, offset: 5, detail: "integer has a leading zero") }
            guard let v = Int64((negative ? "-" : "") + digits) else { return .text("<other>") }
            return .text("#\(v)")
        }
        var cases = ["0", "1", "7", "00", "01", "02", "000", "10", "-0", "+5", "-5", "-", "+", "", "12a", "a12", " 1", "1 ",
                     "123456789012345678", "999999999999999999", "1234567890123456789", "9223372036854775807",
                     "-9223372036854775808", "9223372036854775808", "0123", "1\u{e9}"]
        for n in 1 ... 19 { cases.append(String(repeating: "9", count: n)); cases.append("1" + String(repeating: "0", count: n - 1)) }
        for s in cases {
            for tail in ["a.", "aI7\naV0123456789abcdef\n0."] {
                let p = Self.bytes("(lp0\nI\(s)\n\(tail)")
                let got = Self.outcome(p, Self.listTexts)
                var want = model(s)
                if case .text(let t) = want, tail != "a." { want = .text(t + "|#7") }
                #expect(got == want, "INT \(s)")
            }
        }
        // Cut inside the line, and at its end.
        #expect(Self.outcome(Self.bytes("(lp0\nI123")) == .error(.truncated, offset: 5, detail: "input ended inside a text argument"))
        #expect(Self.outcome(Self.bytes("(lp0\nI123\n")) == .error(.truncated, offset: 10, detail: "input ended before STOP"))
    }

    /// LONG and INT lines of 19 to 70 digits (three 64-bit limbs hold up to 57) give the value
    /// ``PickleBigInt/init(decimal:)`` parses, as an int when it fits in 64 bits.
    @Test func wideIntegerLines() {
        var rng = Rng(5)
        var texts = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                     "18446744073709551615", "18446744073709551616", "-18446744073709551616",
                     "340282366920938463463374607431768211455", "340282366920938463463374607431768211456",
                     "-170141183460469231731687303715884105728", "-170141183460469231731687303715884105729",
                     "6277101735386680763835789423207666416102355444464034512895",  // 2^192 - 1: 58 digits
                     String(repeating: "9", count: 57), "-" + String(repeating: "9", count: 57), "1" + String(repeating: "0", count: 56)]
        for _ in 0 ..< 3000 {
            let n = 19 + rng.next(52)
            var digits = String(rng.next(9) + 1)
            for _ in 1 ..< n { digits += String(rng.next(10)) }
            texts.append([("", 0), ("-", 1), ("+", 2)][rng.next(3)].0 + digits)
        }
        for text in texts {
            let big = PickleBigInt(decimal: text)!
            let want: PickleNode = big.int64.map { .int($0) } ?? .bigInt(big)
            for pickle in [Self.bytes("L\(text)L\n."), Self.bytes("I\(text)\n.")] {
                do {
                    let doc = try PickleDecoder().decode(pickle: pickle)
                    #expect(doc[doc.root] == want, "\(text)")
                } catch {
                    Issue.record("\(text): \(error)")
                }
            }
        }
    }

    // MARK: - REDUCE of copyreg._reconstructor

    /// `copyreg._reconstructor(cls, base, state)` by REDUCE (read straight from storage for the shapes
    /// Python writes) and by OBJ (the general construction, charged the same: a tuple of three) give
    /// the same value, and under every budget and stack limit the same outcome.
    @Test func reconstructorMatchesTheGeneralPath() {
        let dictState = "(dp1\nVa\np2\nI1\nsVb\np3\nVtwo\np4\ns"
        let shapes: [(cls: String, base: String, state: String, then: String)] = [
            ("web.utils\nStorage", "__builtin__\ndict", dictState, ""),
            ("web.utils\nStorage", "__builtin__\ndict", "(dp1\n", ""),
            ("web.utils\nStorage", "__builtin__\ndict", "N", ""),
            ("web.utils\nStorage", "builtins\nobject", "N", ""),
            ("web.utils\nStorage", "__builtin__\ndict", "(lp1\nI1\na", ""),        // a state no dict: inert
            ("uuid\nUUID", "__builtin__\nobject", "N", "(dp9\nVint\np10\nL1234567890123456789012345L\nsb"),
            ("mod\nThing", "__builtin__\nobject", "N", ""),
            ("mod\nThing", "__builtin__\ndict", dictState, ""),
            ("mod\nThing", "mod\nBase", "I5\n", ""),                               // another base: inert
            ("copy_reg\n_reconstructor", "__builtin__\nobject", "N", ""),         // a copyreg class: inert
            ("collections\nOrderedDict", "__builtin__\ndict", dictState, ""),
        ]
        for callable in ["copy_reg\n_reconstructor", "copyreg\n_reconstructor"] {
            for shape in shapes {
                let args = "c\(shape.cls)\nc\(shape.base)\n\(shape.state)"
                let reduce = Self.bytes("c\(callable)\np0\n(\(args)tR\(shape.then).")
                let obj = Self.bytes("(c\(callable)\np0\n\(args)o\(shape.then).")
                Self.expectSameOutcomes(reduce, obj, "\(shape)")
            }
        }
        // Argument counts other than three, through both paths.
        for args in ["cweb.utils\nStorage\nc__builtin__\ndict\n", "cweb.utils\nStorage\nc__builtin__\ndict\nNN"] {
            Self.expectSameOutcomes(Self.bytes("ccopy_reg\n_reconstructor\n(\(args)tR."),
                                    Self.bytes("(ccopy_reg\n_reconstructor\n\(args)o."), args)
        }
    }

    /// Decodes both pickles with every budget up to past success and every stack depth: the outcomes
    /// match (the error, or the value), and so does the smallest budget that succeeds.
    static func expectSameOutcomes(_ a: [UInt8], _ b: [UInt8], _ what: String) {
        func run(_ p: [UInt8], _ limits: PickleLimits) -> Result<PickleDocument, PickleError> {
            do { return .success(try PickleDecoder(limits: limits).decode(pickle: p)) } catch { return .failure(error) }
        }
        func same(_ x: Result<PickleDocument, PickleError>, _ y: Result<PickleDocument, PickleError>) -> Bool {
            switch (x, y) {
            case (.success(let d), .success(let e)):
                return PickleDocument.structurallyEqual(d, d.root, e, e.root)
                    && (try? d.canonicalJSON()) == (try? e.canonicalJSON())
            case (.failure(let f), .failure(let g)): return f.code == g.code && f.detail == g.detail
            default: return false
            }
        }
        #expect(same(run(a, .default), run(b, .default)), "\(what)")
        guard case .success = run(a, .default) else { return }
        var budget = 0
        while true {
            var limits = PickleLimits.default
            limits.maxDecodedBytes = budget
            let x = run(a, limits), y = run(b, limits)
            #expect(same(x, y), "\(what) with \(budget) bytes")
            if case .success = x { break }
            budget += 1
            if budget > 4096 { Issue.record("\(what) never fits"); break }
        }
        for depth in 1 ... 10 {
            var limits = PickleLimits.default
            limits.maxStackDepth = depth
            #expect(same(run(a, limits), run(b, limits)), "\(what) at depth \(depth)")
        }
    }
}
