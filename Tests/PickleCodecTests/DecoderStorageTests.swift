import Testing
import PickleCodec

/// The decoder's compact storage (item regions that grow in place or move, key merging by scan
/// and by hash table, text as input or heap ranges, fast REDUCE/NEWOBJ paths) must give exactly
/// the values CPython's unpickler gives, whatever order the pickle fills containers in.
@Suite struct DecoderStorageTests {
    // MARK: - Byte builders (opcodes as pickletools names them)

    static func le32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }
    /// BINUNICODE.
    static func u(_ s: String) -> [UInt8] { [0x58] + le32(s.utf8.count) + Array(s.utf8) }
    /// SHORT_BINUNICODE.
    static func su(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
    /// SHORT_BINSTRING: a Python 2 str.
    static func py2(_ bytes: [UInt8]) -> [UInt8] { [0x55, UInt8(bytes.count)] + bytes }
    static func py2(_ s: String) -> [UInt8] { py2(Array(s.utf8)) }
    /// BININT.
    static func int(_ v: Int) -> [UInt8] { [0x4A] + withUnsafeBytes(of: Int32(v).littleEndian, Array.init) }
    /// BINFLOAT (big-endian).
    static func float(_ d: Double) -> [UInt8] { [0x47] + withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init) }
    /// LONG1 with little-endian two's-complement bytes.
    static func long1(_ le: [UInt8]) -> [UInt8] { [0x8A, UInt8(le.count)] + le }
    /// SHORT_BINBYTES.
    static func shortBytes(_ b: [UInt8]) -> [UInt8] { [0x43, UInt8(b.count)] + b }
    /// GLOBAL `module\nname\n`.
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + asciiBytes("\(module)\n\(name)\n") }

    static func decode(_ bytes: [UInt8]) throws -> PickleDocument { try PickleDecoder().decode(pickle: bytes) }
    static func json(_ bytes: [UInt8]) throws -> String { try decode(bytes).canonicalJSON() }
    static func root(_ bytes: [UInt8]) throws -> PickleNode {
        let doc = try decode(bytes)
        return doc[doc.root]
    }

    // MARK: - 1. Interleaved container fills

    /// Protocol 0 as Python 2's cPickle writes it (one SETITEM/APPEND per item, nested containers
    /// filled between the outer container's items), then two lists, two nested dicts and a nested
    /// list grown alternately through GET: every region but the last one has to move.
    @Test func interleavedProtocol0Fills() throws {
        var p = "(dp0\n"
        var memo = 1
        var nested: [Int] = [], lists: [Int] = []
        for i in 0 ..< 20 {
            p += "S'k\(i)'\n(dp\(memo)\n"
            nested.append(memo); memo += 1
            p += "S'x'\nI\(i)\ns"
            p += "S'l'\n(lp\(memo)\n"
            lists.append(memo); memo += 1
            for j in 0 ..< 3 { p += "I\(10 * i + j)\na" }
            p += "s"                                  // nested['l'] = list
            p += "S'y'\nI\(100 + i)\ns"
            p += "s"                                  // outer['k<i>'] = nested
        }
        let a = memo, b = memo + 1
        p += "S'A'\n(lp\(a)\nsS'B'\n(lp\(b)\ns"
        for j in 0 ..< 200 {
            p += "g\(a)\nI\(j)\na0g\(b)\nI\(1000 + j)\na0"
            if j < 20 {
                p += "g\(nested[0])\nS'n\(j)'\nI\(j)\ns0"
                p += "g\(nested[19])\nS'n\(j)'\nI\(-j)\ns0"
                p += "g\(lists[0])\nI\(5000 + j)\na0"
            }
        }
        // A repeated key in the (moved, now > 16 keys) nested dicts: first position, last value.
        p += "g\(nested[0])\nS'x'\nI777\ns0g\(nested[19])\nS'n3'\nI333\ns0"
        p += "S'z'\nNs."

        var parts: [String] = []
        for i in 0 ..< 20 {
            var l = (0 ..< 3).map { String(10 * i + $0) }
            if i == 0 { l += (0 ..< 20).map { String(5000 + $0) } }
            var inner = "\"x\":\(i == 0 ? 777 : i),\"l\":[\(l.joined(separator: ","))],\"y\":\(100 + i)"
            if i == 0 { inner += (0 ..< 20).map { ",\"n\($0)\":\($0)" }.joined() }
            if i == 19 { inner += (0 ..< 20).map { ",\"n\($0)\":\($0 == 3 ? 333 : -$0)" }.joined() }
            parts.append("\"k\(i)\":{\(inner)}")
        }
        parts.append("\"A\":[" + (0 ..< 200).map { String($0) }.joined(separator: ",") + "]")
        parts.append("\"B\":[" + (1000 ..< 1200).map { String($0) }.joined(separator: ",") + "]")
        parts.append("\"z\":null")
        let doc = try Self.decode(asciiBytes(p))
        #expect(try doc.canonicalJSON() == "{" + parts.joined(separator: ",") + "}")

        // The same through the node view: 23 keys, Python 2 strs, in order.
        guard case .dict(let outer) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(outer.keys.map { doc.text(of: $0) } == (0 ..< 20).map { "k\($0)" } + ["A", "B", "z"])
        #expect(doc[outer.keys[0]] == .py2String(PickleBytes(asciiBytes("k0"))))
        guard case .list(let listA) = doc[outer.values[20]], case .list(let listB) = doc[outer.values[21]] else {
            Issue.record("expected lists"); return
        }
        #expect(listA.map { doc[$0] } == (0 ..< 200).map { PickleNode.int(Int64($0)) })
        #expect(listB.map { doc[$0] } == (1000 ..< 1200).map { PickleNode.int(Int64($0)) })
    }

    /// Protocol 4 batches (APPENDS, ADDITEMS, SETITEMS) alternating over two lists, two sets and
    /// two dicts through BINGET; the dicts also re-set one key every round.
    @Test func interleavedBatchFills() throws {
        var p: [UInt8] = [0x80, 0x04]
        for (m, op) in [(0, 0x5D), (1, 0x5D), (2, 0x8F), (3, 0x8F), (4, 0x7D), (5, 0x7D)] as [(UInt8, UInt8)] {
            p += [op, 0x71, m, 0x30]                      // EMPTY_* PUT m POP
        }
        for r in 0 ..< 50 {
            for (m, base) in [(0, 0), (1, 10_000)] as [(UInt8, Int)] {
                p += [0x68, m, 0x28]
                for k in 0 ..< 4 { p += Self.int(base + 4 * r + k) }
                p += [0x65, 0x30]                         // APPENDS POP
            }
            for (m, base) in [(2, 20_000), (3, 30_000)] as [(UInt8, Int)] {
                p += [0x68, m, 0x28]
                for k in 0 ..< 3 { p += Self.int(base + 3 * r + k) }
                p += [0x90, 0x30]                         // ADDITEMS POP
            }
            for (m, prefix) in [(4, "d"), (5, "e")] as [(UInt8, String)] {
                p += [0x68, m, 0x28] + Self.su("\(prefix)\(2 * r)") + Self.int(r) + Self.su("\(prefix)\(2 * r + 1)") + Self.int(-r)
                p += Self.su("\(prefix)0") + Self.int(1000 + r)
                p += [0x75, 0x30]                         // SETITEMS POP
            }
        }
        p += [0x28, 0x68, 0, 0x68, 1, 0x68, 2, 0x68, 3, 0x68, 4, 0x68, 5, 0x74, 0x2E]

        func array(_ r: Range<Int>) -> String { "[" + r.map { String($0) }.joined(separator: ",") + "]" }
        func dict(_ prefix: String) -> String {
            let pairs = (0 ..< 100).map { i -> String in
                let v = i == 0 ? 1049 : (i % 2 == 0 ? i / 2 : -(i / 2))
                return "\"\(prefix)\(i)\":\(v)"
            }
            return "{" + pairs.joined(separator: ",") + "}"
        }
        let want = "[" + [array(0 ..< 200), array(10_000 ..< 10_200), array(20_000 ..< 20_150), array(30_000 ..< 30_150),
                          dict("d"), dict("e")].joined(separator: ",") + "]"
        #expect(try Self.json(p) == want)
    }

    // MARK: - 2. Repeated keys in large dicts

    /// `{'key00': 0, ..., 'key39': 39}` written as pickles never are: with repeats inside the first
    /// SETITEMS, Python 2 strs repeating unicode keys in a second one, and a last single SETITEM.
    @Test func largeDictRepeatedTextKeys() throws {
        var p: [UInt8] = [0x80, 0x02, 0x7D, 0x28]
        for i in 0 ..< 40 {
            p += Self.u(key(i)) + Self.int(i)
            if i == 20 { p += Self.u("key03") + Self.int(303) }
        }
        p += [0x75, 0x28] + Self.py2("key05") + Self.int(105) + Self.u("key39") + Self.int(139) + Self.py2("key00") + Self.int(100)
        p += [0x75] + Self.u("key05") + Self.int(205) + [0x73, 0x2E]

        let values = (0 ..< 40).map { [0: 100, 3: 303, 5: 205, 39: 139][$0] ?? $0 }
        let want = "{" + (0 ..< 40).map { "\"\(key($0))\":\(values[$0])" }.joined(separator: ",") + "}"
        let doc = try Self.decode(p)
        #expect(try doc.canonicalJSON() == want)
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        // First keys kept: all unicode, none of the Python 2 repeats.
        #expect(d.keys.map { doc[$0] } == (0 ..< 40).map { PickleNode.string(key($0)) })
    }

    func key(_ i: Int) -> String { i < 10 ? "key0\(i)" : "key\(i)" }

    /// Keys of mixed types: `1 == True == 1.0`, `0 == False == -0.0`, a Python 2 ASCII str equals
    /// the same unicode, `b'a'` differs from both, a non-ASCII Python 2 str differs from the unicode
    /// its bytes spell. A small first batch (scanned), then a large one (hashed), then SETITEMs.
    @Test func largeDictRepeatedMixedKeys() throws {
        let big: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1]  // 2**64
        var p: [UInt8] = [0x80, 0x03, 0x7D, 0x28]
        p += [0x88] + Self.int(1)                      // True: 1
        p += Self.py2("a") + Self.int(2)               // 'a' (Python 2 str): 2
        p += Self.u("b") + Self.int(3)                 // u'b': 3
        p += [0x4B, 7] + Self.int(4)                   // 7: 4
        p += Self.float(2.5) + Self.int(5)             // 2.5: 5
        p += [0x89] + Self.int(6)                      // False: 6
        p += [0x4E] + Self.int(7)                      // None: 7
        p += Self.long1(big) + Self.int(8)             // 2**64: 8
        p += Self.shortBytes([0x61]) + Self.int(9)     // b'a': 9
        p += Self.u("\u{E9}") + Self.int(10)           // u'é': 10
        p += [0x75] + [0x4B, 1] + Self.int(11) + [0x73]  // 1: 11 (scanned: merges into True)
        p += [0x28]
        for k in 100 ..< 110 { p += Self.int(k) + Self.int(k) }
        p += Self.float(1.0) + Self.int(12)            // 1.0 → True's pair
        p += Self.u("a") + Self.int(13)                // u'a' → 'a'
        p += Self.py2("b") + Self.int(14)              // 'b' → u'b'
        p += Self.float(7.0) + Self.int(15)            // 7.0 → 7
        p += [0x4B, 0] + Self.int(16)                  // 0 → False
        p += Self.float(-0.0) + Self.int(17)           // -0.0 → False
        p += [0x4E] + Self.int(18)                     // None → None
        p += Self.long1(big) + Self.int(19)            // 2**64 → 2**64
        p += Self.shortBytes([0x61]) + Self.int(20)    // b'a' → b'a'
        for k in 110 ..< 120 { p += Self.int(k) + Self.int(k) }
        p += Self.py2([0xC3, 0xA9]) + Self.int(21)     // '\xc3\xa9' (Python 2 str): a new key
        p += [0x75]
        p += [0x88] + Self.int(22) + [0x73]            // True → True's pair (hashed, table kept)
        p += Self.int(119) + Self.int(23) + [0x73]     // 119 → 119's pair
        p += [0x2E]

        var pairs = ["[true,22]", "[\"a\",13]", "[\"b\",14]", "[7,15]", "[2.5,5]", "[false,17]", "[null,18]",
                     "[18446744073709551616,19]", "[{\"$bytes\":\"YQ==\"},20]", "[\"\u{E9}\",10]"]
        pairs += (100 ..< 120).map { "[\($0),\($0 == 119 ? 23 : $0)]" }
        pairs.append("[\"\u{E9}\",21]")
        let doc = try Self.decode(p)
        #expect(try doc.canonicalJSON() == "[" + pairs.joined(separator: ",") + "]")
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(d.keys.count == 31)
        #expect(Array(d.keys.prefix(10).map { doc[$0] }) == [
            .bool(true), .py2String(PickleBytes([0x61])), .string("b"), .int(7), .float(2.5), .bool(false), .none,
            .bigInt(PickleBigInt(twosComplement: big)), .bytes([0x61]), .string("\u{E9}"),
        ])
        #expect(doc[d.keys[30]] == .py2String(PickleBytes([0xC3, 0xA9])))
    }

    /// A Python 2 str key rewritten by escapes (kept in the heap) against the same text read in
    /// place, both ways round, in a scanned (5 keys) and a hashed (30 keys) dict.
    @Test(arguments: [5, 30])
    func escapedKeysMergeWithPlainKeys(_ filler: Int) throws {
        var p = "(dp0\n"
        for i in 0 ..< filler { p += "Vf\(i)\nI\(i)\ns" }
        p += "Vkey\nI1\nsS'\\x41BC'\nI2\ns"                 // u'key', 'ABC' (escaped)
        p += "S'k\\x65y'\nI3\nsVABC\nI4\nsS'key'\nI5\ns."    // 'key' (escaped), u'ABC', 'key'
        let doc = try Self.decode(asciiBytes(p))
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(d.keys.count == filler + 2)
        #expect(doc[d.keys[filler]] == .string("key"))
        #expect(doc[d.values[filler]] == .int(5))
        #expect(doc[d.keys[filler + 1]] == .py2String(PickleBytes(asciiBytes("ABC"))))
        #expect(doc[d.values[filler + 1]] == .int(4))
    }

    /// `{2**63: 1, 2.0**63: 2}` and `{9220000000000000000: 3, 9.22e18: 4}` are one-key dicts in
    /// Python (an integral float equals the int, whatever its magnitude); after 0 other keys
    /// (scanned) and 20 (hashed). CPython: `{9223372036854775808: 2, 9220000000000000000: 4}`.
    @Test(arguments: [0, 20])
    func largeIntegralFloatKeysMergeWithInts(_ filler: Int) throws {
        var p: [UInt8] = [0x80, 0x03, 0x7D, 0x28]
        for k in 0 ..< filler { p += Self.int(1000 + k) + [0x4E] }
        p += Self.long1([0, 0, 0, 0, 0, 0, 0, 0x80, 0]) + Self.int(1)   // 2**63 (LONG1)
        p += Self.float(9_223_372_036_854_775_808.0) + Self.int(2)     // 2.0**63
        p += [0x8A, 8] + withUnsafeBytes(of: Int64(9_220_000_000_000_000_000).littleEndian, Array.init) + Self.int(3)
        p += Self.float(9.22e18) + Self.int(4)
        p += [0x75, 0x2E]
        let doc = try Self.decode(p)
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(d.keys.count == filler + 2)
        #expect(Array(d.keys.suffix(2).map { doc[$0] }) == [.bigInt(PickleBigInt(twosComplement: [0, 0, 0, 0, 0, 0, 0, 0x80, 0])),
                                                            .int(9_220_000_000_000_000_000)])
        #expect(Array(d.values.suffix(2).map { doc[$0] }) == [.int(2), .int(4)])
    }

    // MARK: - 3. Fast REDUCE/NEWOBJ paths against the general path

    static let naive = PickleNode.datetime(PickleDateTime(
        date: PickleDate(year: 2024, month: 5, day: 6),
        time: PickleTime(hour: 7, minute: 8, second: 9, microsecond: 10)))

    /// `datetime.datetime(2024, 5, 6, 7, 8, 9, 10)` in every form a pickle carries it.
    static let naiveForms: [(String, [UInt8])] = [
        // pickle.dumps(datetime.datetime(2024,5,6,7,8,9,10), 3): SHORT_BINBYTES state.
        ("p3 bytes", [0x80, 0x03] + global("datetime", "datetime") + [0x71, 0x00, 0x43, 0x0A, 0x07, 0xE8, 0x05, 0x06, 0x07,
                      0x08, 0x09, 0x00, 0x00, 0x0A, 0x71, 0x01, 0x85, 0x71, 0x02, 0x52, 0x71, 0x03, 0x2E]),
        // The same with a BINBYTES (4-byte length) state.
        ("BINBYTES", [0x80, 0x03] + global("datetime", "datetime") + [0x42, 0x0A, 0, 0, 0, 0x07, 0xE8, 0x05, 0x06, 0x07,
                      0x08, 0x09, 0x00, 0x00, 0x0A, 0x85, 0x52, 0x2E]),
        // pickle.dumps(datetime.datetime(2024,5,6,7,8,9,10), 2): _codecs.encode(u'\x07\xe8...', 'latin1').
        ("p2 codecs", [0x80, 0x02] + global("datetime", "datetime") + [0x71, 0x00] + global("_codecs", "encode")
            + [0x71, 0x01, 0x58, 0x0B, 0x00, 0x00, 0x00, 0x07, 0xC3, 0xA8, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A,
               0x71, 0x02, 0x58, 0x06, 0x00, 0x00, 0x00, 0x6C, 0x61, 0x74, 0x69, 0x6E, 0x31, 0x71, 0x03, 0x86, 0x71, 0x04,
               0x52, 0x71, 0x05, 0x85, 0x71, 0x06, 0x52, 0x71, 0x07, 0x2E]),
        // pickle.dumps(datetime.datetime(2024,5,6,7,8,9,10), 0): UNICODE line with \u escapes.
        ("p0 codecs", asciiBytes("cdatetime\ndatetime\np0\n(c_codecs\nencode\np1\n(V") + [0x07, 0xE8, 0x05, 0x06, 0x07, 0x08, 0x09]
            + asciiBytes("\\u0000\\u0000\\u000a\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n.")),
        // `_codecs.encode(..., 'latin-1')`: another spelling, left to the general path.
        ("latin-1", [0x80, 0x02] + global("datetime", "datetime") + global("_codecs", "encode")
            + [0x58, 0x0B, 0x00, 0x00, 0x00, 0x07, 0xC3, 0xA8, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A]
            + u("latin-1") + [0x86, 0x52, 0x85, 0x52, 0x2E]),
        // Python 2 cPickle protocol 0: STRING '\x07\xe8\x05\x06\x07\x08\t\x00\x00\n' (escapes, so in the heap).
        ("py2 p0", asciiBytes("cdatetime\ndatetime\np0\n(S'\\x07\\xe8\\x05\\x06\\x07\\x08\\t\\x00\\x00\\n'\np1\ntp2\nRp3\n.")),
        // Python 2 cPickle protocol 2: SHORT_BINSTRING state, read in place.
        ("py2 p2", [0x80, 0x02] + global("datetime", "datetime") + [0x71, 0x01, 0x55, 0x0A, 0x07, 0xE8, 0x05, 0x06, 0x07, 0x08,
                    0x09, 0x00, 0x00, 0x0A, 0x71, 0x02, 0x85, 0x71, 0x03, 0x52, 0x71, 0x04, 0x2E]),
        // datetime(u'\x07\xe8...'): a str state (CPython accepts Latin-1 text), general path.
        ("str state", [0x80, 0x02] + global("datetime", "datetime") + [0x58, 0x0B, 0x00, 0x00, 0x00, 0x07, 0xC3, 0xA8, 0x05,
                       0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A, 0x85, 0x52, 0x2E]),
        // datetime(2024, 5, 6, 7, 8, 9, 10): integer arguments, general path.
        ("ints", [0x80, 0x02] + global("datetime", "datetime") + [0x28, 0x4D, 0xE8, 0x07, 0x4B, 5, 0x4B, 6, 0x4B, 7, 0x4B, 8,
                  0x4B, 9, 0x4B, 10, 0x74, 0x52, 0x2E]),
    ]

    @Test func naiveDatetimeSameOnEveryPath() throws {
        for (name, pickle) in Self.naiveForms {
            let doc = try Self.decode(pickle)
            #expect(doc[doc.root] == Self.naive, "\(name)")
            #expect(try doc.canonicalJSON() == "\"2024-05-06T07:08:09.000010\"", "\(name)")
        }
    }

    @Test func foldBitOnFastAndGeneralPaths() throws {
        var want = PickleDateTime(date: PickleDate(year: 2024, month: 5, day: 6),
                                  time: PickleTime(hour: 7, minute: 8, second: 9, microsecond: 10, fold: 1))
        // Month byte 0x85: fold=1, month 5 (as pickle.dumps(..., 4) writes datetime(..., fold=1)).
        let bytesState = [0x80, 0x03] + Self.global("datetime", "datetime")
            + Self.shortBytes([0x07, 0xE8, 0x85, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A]) + [0x85, 0x52, 0x2E]
        let strState = [0x80, 0x02] + Self.global("datetime", "datetime")
            + Self.u("\u{07}\u{E8}\u{85}\u{06}\u{07}\u{08}\u{09}\u{00}\u{00}\u{0A}") + [0x85, 0x52, 0x2E]
        #expect(try Self.root(bytesState) == .datetime(want))
        #expect(try Self.root(strState) == .datetime(want))
        want.time.fold = 0
        #expect(try Self.root(strState) != .datetime(want))
    }

    /// `datetime.timezone(timedelta(hours=5, minutes=30))` as pickle.dumps writes it (REDUCE of timedelta).
    static let ist: [UInt8] = global("datetime", "timezone") + global("datetime", "timedelta")
        + [0x4B, 0x00, 0x4D, 0x58, 0x4D, 0x4B, 0x00, 0x87, 0x52, 0x85, 0x52]

    @Test func awareDatetimeSameOnEveryPath() throws {
        let forms: [(String, [UInt8])] = [
            // pickle.dumps(datetime.datetime(2024,5,6,7,8,9,10, tzinfo=timezone(timedelta(hours=5, minutes=30))), 3)
            ("p3", [0x80, 0x03, 0x63, 0x64, 0x61, 0x74, 0x65, 0x74, 0x69, 0x6D, 0x65, 0x0A, 0x64, 0x61, 0x74, 0x65, 0x74, 0x69,
                    0x6D, 0x65, 0x0A, 0x71, 0x00, 0x43, 0x0A, 0x07, 0xE8, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A, 0x71,
                    0x01, 0x63, 0x64, 0x61, 0x74, 0x65, 0x74, 0x69, 0x6D, 0x65, 0x0A, 0x74, 0x69, 0x6D, 0x65, 0x7A, 0x6F, 0x6E,
                    0x65, 0x0A, 0x71, 0x02, 0x63, 0x64, 0x61, 0x74, 0x65, 0x74, 0x69, 0x6D, 0x65, 0x0A, 0x74, 0x69, 0x6D, 0x65,
                    0x64, 0x65, 0x6C, 0x74, 0x61, 0x0A, 0x71, 0x03, 0x4B, 0x00, 0x4D, 0x58, 0x4D, 0x4B, 0x00, 0x87, 0x71, 0x04,
                    0x52, 0x71, 0x05, 0x85, 0x71, 0x06, 0x52, 0x71, 0x07, 0x86, 0x71, 0x08, 0x52, 0x71, 0x09, 0x2E]),
            // The same object, protocol 2: the state through _codecs.encode.
            ("p2", [0x80, 0x02] + Self.global("datetime", "datetime") + Self.global("_codecs", "encode")
                + [0x58, 0x0B, 0x00, 0x00, 0x00, 0x07, 0xC3, 0xA8, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A]
                + Self.u("latin1") + [0x86, 0x52] + Self.ist + [0x86, 0x52, 0x2E]),
            // datetime(2024, 5, 6, 7, 8, 9, 10, tz): integer arguments, general path.
            ("ints", [0x80, 0x02] + Self.global("datetime", "datetime") + [0x28, 0x4D, 0xE8, 0x07, 0x4B, 5, 0x4B, 6, 0x4B, 7,
                      0x4B, 8, 0x4B, 9, 0x4B, 10] + Self.ist + [0x74, 0x52, 0x2E]),
            // datetime(u'\x07\xe8...', tz): str state, general path.
            ("str state", [0x80, 0x02] + Self.global("datetime", "datetime")
                + Self.u("\u{07}\u{E8}\u{05}\u{06}\u{07}\u{08}\u{09}\u{00}\u{00}\u{0A}") + Self.ist + [0x86, 0x52, 0x2E]),
        ]
        let zone = PickleNode.timezone(PickleTimezone(offset: PickleTimedelta(days: 0, seconds: 19_800, microseconds: 0)))
        var first: PickleDocument?
        for (name, pickle) in forms {
            let doc = try Self.decode(pickle)
            guard case .datetime(let dt) = doc[doc.root], let tz = dt.time.tzinfo else { Issue.record("\(name): no aware datetime"); continue }
            #expect(dt.date == PickleDate(year: 2024, month: 5, day: 6), "\(name)")
            #expect(dt.time.hour == 7 && dt.time.minute == 8 && dt.time.second == 9 && dt.time.microsecond == 10 && dt.time.fold == 0, "\(name)")
            #expect(doc[tz] == zone, "\(name)")
            #expect(try doc.canonicalJSON() == "\"2024-05-06T07:08:09.000010+05:30\"", "\(name)")
            if let first { #expect(PickleDocument.structurallyEqual(first, first.root, doc, doc.root), "\(name)") }
            first = first ?? doc
        }
    }

    @Test func impossibleDatetimeFieldsAreBadValue() {
        let head = [0x80, 0x03] + Self.global("datetime", "datetime")
        func state(_ b: [UInt8]) -> [UInt8] { head + Self.shortBytes(b) + [0x85, 0x52, 0x2E] }
        func text(_ b: [UInt8]) -> [UInt8] {
            head + Self.u(String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))) + [0x85, 0x52, 0x2E]
        }
        func ints(_ v: [UInt8]) -> [UInt8] { head + [0x28, 0x4D, 0xE8, 0x07] + v.flatMap { [0x4B, $0] } + [0x74, 0x52, 0x2E] }
        let month13: [UInt8] = [0x07, 0xE8, 0x0D, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A]
        #expect(decodeError(state(month13)) == .badValue)                        // fast path
        #expect(decodeError(text(month13)) == .badValue)                         // general path (str state)
        #expect(decodeError(ints([13, 6, 7, 8, 9, 10])) == .badValue)            // general path (ints)
        #expect(decodeError(state([0x07, 0xE8, 0x80, 0x06, 0, 0, 0, 0, 0, 0])) == .badValue)  // month 0, fold bit set
        #expect(decodeError(state([0x07, 0xE8, 0x04, 0x1F, 0, 0, 0, 0, 0, 0])) == .badValue)  // April 31
        #expect(decodeError(state([0x07, 0xE7, 0x02, 0x1D, 0, 0, 0, 0, 0, 0])) == .badValue)  // 2023-02-29
        #expect(decodeError(state([0x07, 0xE8, 0x05, 0x06, 0x18, 0, 0, 0, 0, 0])) == .badValue) // hour 24
        #expect(decodeError(state([0x07, 0xE8, 0x05, 0x06, 0, 0, 0, 0x0F, 0x42, 0x40])) == .badValue) // 1_000_000 µs
        #expect(decodeError(text([0x07, 0xE8, 0x05, 0x06, 0, 0x3C, 0, 0, 0, 0])) == .badValue) // minute 60
        let valid: [UInt8] = [0x07, 0xE8, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x00, 0x0A]
        #expect(decodeError(head + Self.shortBytes(valid) + [0x4B, 5, 0x86, 0x52, 0x2E]) == .badValue)  // tzinfo 5
        // 2024-02-29 exists.
        #expect(throws: Never.self) { try Self.decode(state([0x07, 0xE8, 0x02, 0x1D, 0, 0, 0, 0, 0, 0])) }
    }

    /// What pickle.dumps(decimal.Decimal(text), 2) writes:
    /// `\x80\x02cdecimal\nDecimal\nq\x00X<len><text>q\x01\x85q\x02Rq\x03.`
    static func decimalPickle(_ text: String) -> [UInt8] {
        [0x80, 0x02] + global("decimal", "Decimal") + [0x71, 0x00] + u(text) + [0x71, 0x01, 0x85, 0x71, 0x02, 0x52, 0x71, 0x03, 0x2E]
    }

    @Test func decimalFastAndGeneralPaths() throws {
        // pickle.dumps(decimal.Decimal('1.10'), 2)
        let python: [UInt8] = [0x80, 0x02, 0x63, 0x64, 0x65, 0x63, 0x69, 0x6D, 0x61, 0x6C, 0x0A, 0x44, 0x65, 0x63, 0x69, 0x6D,
                               0x61, 0x6C, 0x0A, 0x71, 0x00, 0x58, 0x04, 0x00, 0x00, 0x00, 0x31, 0x2E, 0x31, 0x30, 0x71, 0x01,
                               0x85, 0x71, 0x02, 0x52, 0x71, 0x03, 0x2E]
        #expect(Self.decimalPickle("1.10") == python)
        #expect(try Self.root(python) == .decimal(PickleDecimal("1.10")))
        #expect(try Self.json(python) == "1.10")
        // (text, str(decimal.Decimal(text))) from CPython 3.11.
        let cases: [(String, String)] = [
            (" 1_000 ", "1000"), ("1e3", "1E+3"), ("0.0000001", "1E-7"), ("-0", "-0"), ("00012.50", "12.50"),
            ("0.000001", "0.000001"), ("-0.00", "-0.00"), ("12345678901234567890.123", "12345678901234567890.123"),
            ("  -1.5E-2\n", "-0.015"), ("nan", "NaN"), ("-sNaN12", "-sNaN12"), ("Inf", "Infinity"),
            ("0.00000", "0.00000"), ("0.000000", "0.000000"), ("100E-2", "1.00"),
        ]
        for (text, canonical) in cases {
            #expect(try Self.root(Self.decimalPickle(text)) == .decimal(PickleDecimal(canonical)), "Decimal(\(text.debugDescription))")
        }
        // Python 2 cPickle protocol 0: the argument is a Python 2 str.
        #expect(try Self.root(asciiBytes("cdecimal\nDecimal\np0\n(S'1.10'\np1\ntp2\nRp3\n.")) == .decimal(PickleDecimal("1.10")))
        #expect(try Self.root(asciiBytes("cdecimal\nDecimal\np0\n(S'1e3'\np1\ntp2\nRp3\n.")) == .decimal(PickleDecimal("1E+3")))
        #expect(decodeError(Self.decimalPickle("1.1.0")) == .badValue)
    }

    /// `timedelta(d, s, us)` as pickle.dumps(..., 2) writes it, with BININT arguments.
    static func timedeltaPickle(_ d: Int, _ s: Int, _ us: Int) -> [UInt8] {
        [0x80, 0x02] + global("datetime", "timedelta") + int(d) + int(s) + int(us) + [0x87, 0x52, 0x2E]
    }

    @Test func timedeltaNormalizes() throws {
        // pickle.dumps(datetime.timedelta(-1), 2)
        let python: [UInt8] = [0x80, 0x02, 0x63, 0x64, 0x61, 0x74, 0x65, 0x74, 0x69, 0x6D, 0x65, 0x0A, 0x74, 0x69, 0x6D, 0x65,
                               0x64, 0x65, 0x6C, 0x74, 0x61, 0x0A, 0x71, 0x00, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x4B, 0x00, 0x4B,
                               0x00, 0x87, 0x71, 0x01, 0x52, 0x71, 0x02, 0x2E]
        #expect(try Self.root(python) == .timedelta(PickleTimedelta(days: -1, seconds: 0, microseconds: 0)))
        #expect(try Self.json(python) == "{\"$timedelta\":[-1,0,0]}")
        // datetime.timedelta(d, s, us).__reduce__()[1] from CPython 3.11.
        let cases: [((Int, Int, Int), (Int, Int, Int))] = [
            ((0, -1, 0), (-1, 86_399, 0)), ((0, 0, -1), (-1, 86_399, 999_999)), ((1, 259_205, 2_000_001), (4, 7, 1)),
            ((0, 0, 0), (0, 0, 0)), ((-5, 86_400, -1_000_000), (-5, 86_399, 0)),
        ]
        for (given, want) in cases {
            #expect(try Self.root(Self.timedeltaPickle(given.0, given.1, given.2))
                    == .timedelta(PickleTimedelta(days: want.0, seconds: want.1, microseconds: want.2)), "\(given)")
        }
        // Python 2 cPickle protocol 0, and timedelta(True) == timedelta(1).
        #expect(try Self.root(asciiBytes("cdatetime\ntimedelta\np1\n(I-1\nI0\nI0\ntRp2\n."))
                == .timedelta(PickleTimedelta(days: -1, seconds: 0, microseconds: 0)))
        #expect(try Self.root([0x80, 0x02] + Self.global("datetime", "timedelta") + [0x88, 0x85, 0x52, 0x2E])
                == .timedelta(PickleTimedelta(days: 1, seconds: 0, microseconds: 0)))
        #expect(decodeError(Self.timedeltaPickle(1_000_000_000, 0, 0)) == .badValue)
    }

    @Test func storageByNewObjAndByReconstructor() throws {
        // pickle.dumps(web.utils.Storage(a=1, b='x'), 2): NEWOBJ then SETITEMS.
        let p2: [UInt8] = [0x80, 0x02, 0x63, 0x77, 0x65, 0x62, 0x2E, 0x75, 0x74, 0x69, 0x6C, 0x73, 0x0A, 0x53, 0x74, 0x6F, 0x72,
                           0x61, 0x67, 0x65, 0x0A, 0x71, 0x00, 0x29, 0x81, 0x71, 0x01, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61,
                           0x71, 0x02, 0x4B, 0x01, 0x58, 0x01, 0x00, 0x00, 0x00, 0x62, 0x71, 0x03, 0x58, 0x01, 0x00, 0x00, 0x00,
                           0x78, 0x71, 0x04, 0x75, 0x2E]
        // The same, protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE).
        let p4: [UInt8] = [0x80, 0x04, 0x95, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8C, 0x09, 0x77, 0x65, 0x62, 0x2E,
                           0x75, 0x74, 0x69, 0x6C, 0x73, 0x94, 0x8C, 0x07, 0x53, 0x74, 0x6F, 0x72, 0x61, 0x67, 0x65, 0x94, 0x93,
                           0x94, 0x29, 0x81, 0x94, 0x28, 0x8C, 0x01, 0x61, 0x94, 0x4B, 0x01, 0x8C, 0x01, 0x62, 0x94, 0x8C, 0x01,
                           0x78, 0x94, 0x75, 0x2E]
        // The same, protocol 0: copy_reg._reconstructor(Storage, dict, {...}), the general path.
        let p0 = asciiBytes("ccopy_reg\n_reconstructor\np0\n(cweb.utils\nStorage\np1\nc__builtin__\ndict\np2\n(dp3\n"
                            + "Va\np4\nI1\nsVb\np5\nVx\np6\nstp7\nRp8\n.")
        // NEWOBJ, then more pairs than the scan handles, one repeated (first position, last value).
        var big = Array(p2.dropLast()) + [0x28]  // p2 without its STOP
        for i in 0 ..< 20 { big += Self.su("k\(i)") + Self.int(i) }
        big += Self.su("a") + Self.int(9) + [0x75, 0x2E]

        let storage = PickleGlobal(module: "web.utils", name: "Storage")
        var docs: [PickleDocument] = []
        for (name, pickle) in [("p2", p2), ("p4", p4), ("p0", p0)] {
            let doc = try Self.decode(pickle)
            guard case .dict(let d) = doc[doc.root] else { Issue.record("\(name): expected a dict"); continue }
            #expect(d.subclass == storage, "\(name)")
            #expect(d.keys.map { doc[$0] } == [.string("a"), .string("b")], "\(name)")
            #expect(d.values.map { doc[$0] } == [.int(1), .string("x")], "\(name)")
            #expect(try doc.canonicalJSON() == "{\"a\":1,\"b\":\"x\"}", "\(name)")
            docs.append(doc)
        }
        if docs.count == 3 {
            #expect(PickleDocument.structurallyEqual(docs[0], docs[0].root, docs[2], docs[2].root))
            #expect(PickleDocument.structurallyEqual(docs[1], docs[1].root, docs[2], docs[2].root))
        }
        let doc = try Self.decode(big)
        guard case .dict(let d) = doc[doc.root] else { Issue.record("expected a dict"); return }
        #expect(d.subclass == storage)
        #expect(d.keys.map { doc.text(of: $0) } == ["a", "b"] + (0 ..< 20).map { "k\($0)" })
        #expect(doc[d.values[0]] == .int(9))
        #expect(doc[d.values[21]] == .int(19))
    }

    // MARK: - 4. Text storage

    /// The payload as BINUNICODE, SHORT_BINUNICODE and BINUNICODE8.
    static func textPickles(_ utf8: [UInt8]) -> [[UInt8]] {
        [[0x80, 0x04, 0x58] + le32(utf8.count) + utf8 + [0x2E],
         [0x80, 0x04, 0x8C, UInt8(utf8.count)] + utf8 + [0x2E],
         [0x80, 0x04, 0x8D] + le32(utf8.count) + [0, 0, 0, 0] + utf8 + [0x2E]]
    }

    /// The decoded str and its bytes through `withUTF8(of:)`; nil when the decoder refused it as `.invalidText`.
    static func decodeText(_ pickle: [UInt8]) throws -> (String, [UInt8])? {
        do {
            let doc = try PickleDecoder().decode(pickle: pickle)
            guard case .string(let s) = doc[doc.root] else { Issue.record("expected a str"); return nil }
            return (s, doc.withUTF8(of: doc.root) { Array($0) })
        } catch {
            #expect(error.code == .invalidText)
            return nil
        }
    }

    @Test func surrogatePairsJoinAndLoneSurrogatesFail() throws {
        // u'a\U0001F600b'.encode('utf-8', 'surrogatepass') of the UTF-16 pair D83D DE00.
        for pickle in Self.textPickles([0x61, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x62]) {
            let got = try Self.decodeText(pickle)
            #expect(got?.0 == "a\u{1F600}b")
            #expect(got?.1 == [0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62])
        }
        // A pair among more than 8 ASCII bytes each side (past the 8-byte ASCII check).
        let long = asciiBytes("abcdefghij") + [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80] + asciiBytes("klmnopqrst")
        #expect(try Self.decodeText(Self.textPickles(long)[0])?.0 == "abcdefghij\u{1F600}klmnopqrst")
        for lone: [UInt8] in [[0xED, 0xA0, 0xBD], [0xED, 0xB8, 0x80], [0xED, 0xB8, 0x80, 0xED, 0xA0, 0xBD],
                              [0xED, 0xA0, 0xBD, 0x61, 0xED, 0xB8, 0x80], asciiBytes("abcdefghij") + [0xED, 0xA0, 0x80]] {
            for pickle in Self.textPickles(lone) { #expect(decodeError(pickle) == .invalidText, "\(lone)") }
        }
    }

    @Test func emptyText() throws {
        for pickle in Self.textPickles([]) {
            let got = try Self.decodeText(pickle)
            #expect(got?.0 == "")
            #expect(got?.1 == [])
        }
        #expect(try Self.root([0x80, 0x02, 0x55, 0x00, 0x2E]) == .py2String(PickleBytes([])))
        #expect(try Self.root([0x80, 0x03, 0x43, 0x00, 0x2E]) == .bytes([]))
    }

    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 24, 33])
    func asciiCheckAtEveryLength(_ n: Int) throws {
        let ascii = (0 ..< n).map { UInt8(0x41 + $0 % 26) }
        let text = String(decoding: ascii, as: UTF8.self)
        for pickle in Self.textPickles(ascii) {
            let got = try Self.decodeText(pickle)
            #expect(got?.0 == text && got?.1 == ascii)
        }
        // A valid two-byte character ending the payload.
        if n >= 2 {
            let withE = Array(ascii.prefix(n - 2)) + [0xC3, 0xA9]
            #expect(try Self.decodeText(Self.textPickles(withE)[0])?.0 == String(decoding: ascii.prefix(n - 2), as: UTF8.self) + "\u{E9}")
        }
        // One stray non-ASCII byte anywhere (last byte included: the overlapping tail word) is invalid UTF-8.
        for at in 0 ..< n {
            for stray: UInt8 in [0x80, 0xE9, 0xFF] {
                var bytes = ascii
                bytes[at] = stray
                for pickle in Self.textPickles(bytes) { #expect(decodeError(pickle) == .invalidText, "n=\(n) at=\(at) \(stray)") }
            }
        }
    }

    @Test func invalidUTF8IsInvalidText() throws {
        let bad: [[UInt8]] = [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC3], [0xE2, 0x28, 0xA1],
        ]
        for b in bad {
            for prefix in [[], asciiBytes("12345678")] as [[UInt8]] {
                for pickle in Self.textPickles(prefix + b) { #expect(decodeError(pickle) == .invalidText, "\(b)") }
                for pickle in Self.textPickles(prefix + b + asciiBytes("abcdefgh")) { #expect(decodeError(pickle) == .invalidText, "\(b)") }
            }
        }
        // The boundary values themselves are valid: U+0080, U+0800, U+FFFF, U+10000, U+10FFFF.
        let good: [UInt8] = [0xC2, 0x80, 0xE0, 0xA0, 0x80, 0xEF, 0xBF, 0xBF, 0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF]
        #expect(try Self.decodeText(Self.textPickles(good)[0])?.0 == "\u{80}\u{800}\u{FFFF}\u{10000}\u{10FFFF}")
    }

    // MARK: - 5. Hand-built documents

    @Test func handBuiltDocumentReadsBackAsStored() throws {
        var doc = PickleDocument()
        #expect(doc[doc.root] == .none)
        let s = doc.append(.string("h\u{E9}llo"))
        let big = PickleBigInt(twosComplement: [0, 0, 0, 0, 0, 0, 0, 0, 1])  // 2**64
        let b = doc.append(.bigInt(big))
        let seven = doc.append(.int(7))
        let list = doc.append(.list([s, b, seven]))
        let k = doc.append(.string("k"))
        let py2 = doc.append(.py2String(PickleBytes([0x63, 0x61, 0x66, 0xE9])))
        let storage = PickleGlobal(module: "web.utils", name: "Storage")
        let dict = doc.append(.dict(PickleDict(keys: [k, s], values: [list, py2], subclass: storage)))
        let when = PickleNode.datetime(PickleDateTime(date: PickleDate(year: 2024, month: 2, day: 29),
                                                      time: PickleTime(hour: 23, minute: 59, second: 59, microsecond: 1)))
        let dt = doc.append(when)
        doc.root = dict

        #expect(doc[s] == .string("h\u{E9}llo"))
        #expect(doc[b] == .bigInt(big))
        #expect(doc[list] == .list([s, b, seven]))
        #expect(doc[dict] == .dict(PickleDict(keys: [k, s], values: [list, py2], subclass: storage)))
        #expect(doc[dt] == when)
        #expect(doc.withUTF8(of: s) { Array($0) } == [0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F])
        #expect(doc.withUTF8(of: py2) { Array($0) } == [0x63, 0x61, 0x66, 0xE9])
        #expect(doc.withUTF8(of: b) { Array($0) } == [0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(doc.withUTF8(of: seven) { $0.count } == 0)
        #expect(doc.withUTF8(of: PickleRef(99)) { $0.count } == 0)
        #expect(try doc.canonicalJSON() == "{\"k\":[\"h\u{E9}llo\",18446744073709551616,7],\"h\u{E9}llo\":\"caf\u{E9}\"}")
        #expect(doc.nodes.count == 9)

        // Replacing nodes in place: a longer string, the dict without its subclass, the None root slot as a tuple.
        doc[s] = .string("bye \u{1F600}")
        doc[dict] = .dict(PickleDict(keys: [k], values: [s]))
        doc[PickleRef(0)] = .tuple([dict, dt, list])
        doc.root = PickleRef(0)
        #expect(doc[s] == .string("bye \u{1F600}"))
        #expect(doc.withUTF8(of: s) { Array($0) } == Array("bye \u{1F600}".utf8))
        #expect(doc[dict] == .dict(PickleDict(keys: [k], values: [s])))
        #expect(doc[PickleRef(0)] == .tuple([dict, dt, list]))
        #expect(try doc.canonicalJSON() == "[{\"k\":\"bye \u{1F600}\"},\"2024-02-29T23:59:59.000001\",[\"bye \u{1F600}\",18446744073709551616,7]]")
        #expect(Array(doc.nodes) == [.tuple([dict, dt, list]), .string("bye \u{1F600}"), .bigInt(big), .int(7), .list([s, b, seven]),
                                     .string("k"), .py2String(PickleBytes([0x63, 0x61, 0x66, 0xE9])),
                                     .dict(PickleDict(keys: [k], values: [s])), when])

        // The arena initializer stores the same nodes.
        let copy = PickleDocument(nodes: Array(doc.nodes), root: doc.root)
        #expect(Array(copy.nodes) == Array(doc.nodes))
        #expect(PickleDocument.structurallyEqual(copy, copy.root, doc, doc.root))
        // A dict whose key and value counts differ is kept as given (for the encoder to refuse).
        var odd = PickleDocument()
        let x = odd.append(.int(1))
        let mismatched = PickleNode.dict(PickleDict(keys: [x, x], values: [x]))
        let m = odd.append(mismatched)
        #expect(odd[m] == mismatched)
    }

    // MARK: - Key lookup in storage

    /// `value(forKey:in:)` compares ASCII keys in place and falls back to Swift string
    /// equality for the others (so canonically equivalent spellings still find each other).
    @Test func valueForKeyReadsStorage() throws {
        // pickle.dumps({'café': 1, 'uid': 2, 'e\u0301té': 3}, 4)
        let bytes: [UInt8] = [128, 4, 149, 34, 0, 0, 0, 0, 0, 0, 0, 125, 148, 40, 140, 5, 99, 97, 102, 195, 169, 148, 75, 1,
                              140, 3, 117, 105, 100, 148, 75, 2, 140, 6, 101, 204, 129, 116, 195, 169, 148, 75, 3, 117, 46]
        let doc = try PickleDecoder().decode(pickle: bytes)
        #expect(doc.value(forKey: "uid", in: doc.root).map { doc[$0] } == .int(2))
        #expect(doc.value(forKey: "caf\u{E9}", in: doc.root).map { doc[$0] } == .int(1))
        #expect(doc.value(forKey: "cafe\u{301}", in: doc.root).map { doc[$0] } == .int(1))  // Swift ==: canonical equivalence
        #expect(doc.value(forKey: "\u{E9}t\u{E9}", in: doc.root).map { doc[$0] } == .int(3))
        #expect(doc.value(forKey: "ui", in: doc.root) == nil)
        #expect(doc.value(forKey: "uidd", in: doc.root) == nil)
        // A Python 2 str key (protocol 0 STRING) is found by its text; a non-dict has no keys.
        let py2 = try PickleDecoder().decode(pickle: Array("(dp0\nS'uid'\np1\nI7\nsS'n'\np2\nS'\\xe9'\np3\ns.".utf8))
        #expect(py2.value(forKey: "uid", in: py2.root).map { py2[$0] } == .int(7))
        #expect(py2.lookup(path: ["uid", "x"]) == nil)
    }
}
