import Testing
import PickleCodec

/// Hostile pickles: each case asserts the exact bound or error code it must hit.
@Suite struct DecoderAdversarialTests {
    // MARK: - Code execution attempts: inert objects, nothing run

    static let executionAttempts: [(String, [UInt8], String)] = [
        ("GLOBAL os.system", asciiBytes("cos\nsystem\n(S'touch /tmp/pwned'\ntR."), "os.system"),
        ("GLOBAL posix.system, protocol 2", [0x80, 0x02] + asciiBytes("cposix\nsystem\nX") + [0x02, 0, 0, 0] + asciiBytes("id") + [0x85] + asciiBytes("R."), "posix.system"),
        ("STACK_GLOBAL builtins.eval", [0x80, 0x04, 0x8C, 0x08] + asciiBytes("builtins") + [0x8C, 0x04] + asciiBytes("eval")
            + [0x93, 0x8C, 0x03] + asciiBytes("1+1") + [0x85] + asciiBytes("R."), "builtins.eval"),
        ("INST subprocess.Popen", asciiBytes("(S'ls'\nisubprocess\nPopen\n."), "subprocess.Popen"),
        ("OBJ subprocess.Popen", asciiBytes("(csubprocess\nPopen\nS'ls'\no."), "subprocess.Popen"),
        ("NEWOBJ_EX subprocess.Popen", [0x80, 0x04, 0x8C, 0x0A] + asciiBytes("subprocess") + [0x8C, 0x05] + asciiBytes("Popen")
            + [0x93, 0x8C, 0x02] + asciiBytes("ls") + [0x85, 0x7D, 0x8C, 0x05] + asciiBytes("shell") + [0x88, 0x73, 0x92, 0x2E], "subprocess.Popen"),
        ("__builtin__.eval, Python 2", asciiBytes("c__builtin__\neval\n(S'1'\ntR."), "__builtin__.eval"),
        ("copy_reg._reconstructor of os.system", asciiBytes("ccopy_reg\n_reconstructor\n(cos\nsystem\nc__builtin__\nstr\nS'id'\ntR."), "os.system"),
    ]

    @Test(arguments: 0 ..< executionAttempts.count)
    func codeExecutionAttemptsStayInert(_ i: Int) throws {
        let (_, pickle, callable) = Self.executionAttempts[i]
        let doc = try PickleDecoder().decode(pickle: pickle)
        guard case .object(let o) = doc[doc.root] else {
            Issue.record("expected an inert object")
            return
        }
        #expect(o.type.description == callable)
        let args = try #require(o.args)
        guard case .tuple(let items) = doc[args] else { Issue.record("args are not a tuple"); return }
        #expect(items.count == 1)
        #expect(try doc.canonicalJSON().hasPrefix("{\"$class\":\"\(o.type.python3Name)\",\"$args\":["))
    }

    @Test func reduceOnAnInertResultIsRefused() {
        // getattr(dict, 'get')() — calling the result of a call needs a real callable.
        #expect(decodeError(asciiBytes("cbuiltins\ngetattr\n(cbuiltins\ndict\nS'get'\ntR(tR.")) == .typeMismatch)
    }

    @Test func reduceNeedsATuple() {
        #expect(decodeError(asciiBytes("cos\nsystem\nK\u{01}R.")) == .typeMismatch)
        #expect(decodeError([0x80, 0x04, 0x4B, 0x01, 0x4B, 0x02, 0x93, 0x2E]) == .typeMismatch)
    }

    // MARK: - Allocation bombs: lengths checked against the input before allocating

    @Test func hugeLengthPrefixesFailBeforeAllocating() {
        let ff4: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(decodeError([0x80, 0x03, 0x42] + ff4 + asciiBytes("x.")) == .truncated)              // BINBYTES 0xFFFFFFFF
        #expect(decodeError([0x80, 0x03, 0x58] + ff4 + asciiBytes("x.")) == .truncated)              // BINUNICODE
        let max63: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(decodeError([0x80, 0x04, 0x8D] + max63 + asciiBytes("abc.")) == .truncated)          // BINUNICODE8 2^63-1
        #expect(decodeError([0x80, 0x04, 0x8E] + max63 + asciiBytes("abc.")) == .truncated)          // BINBYTES8
        #expect(decodeError([0x80, 0x05, 0x96] + max63 + asciiBytes("abc.")) == .truncated)          // BYTEARRAY8
        let max64: [UInt8] = Array(repeating: 0xFF, count: 8)
        #expect(decodeError([0x80, 0x04, 0x8E] + max64 + asciiBytes("abc.")) == .badValue)           // above Int.max
        #expect(decodeError([0x54] + ff4 + asciiBytes("x.")) == .badValue)                           // BINSTRING -1
        #expect(decodeError([0x80, 0x02, 0x8B] + ff4 + asciiBytes("x.")) == .badValue)               // LONG4 -1
        #expect(decodeError([0x80, 0x02, 0x8B, 0xFF, 0xFF, 0xFF, 0x7F] + asciiBytes("x.")) == .limitExceeded)  // LONG4 2^31-1
        #expect(decodeError([0x80, 0x04, 0x95] + max63 + asciiBytes("N.")) == .badFrame)
    }

    @Test func decodedBytesBudget() {
        let payload = [0x80, 0x03, 0x42, 0x00, 0x00, 0x01, 0x00] + [UInt8](repeating: 0x61, count: 65536) + [0x2E]
        #expect(decodeError(payload) == nil)
        #expect(decodeError(payload, limits: PickleLimits(maxDecodedBytes: 60000)) == .limitExceeded)
        #expect(decodeError(payload, limits: PickleLimits(maxInputBytes: 1000)) == .limitExceeded)
    }

    // MARK: - Memo attacks

    @Test func hugeMemoIndexAllocatesNothing() throws {
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x02, 0x4B, 0x07, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x30,
                                                     0x6A, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E])
        #expect(doc[doc.root] == .int(7))
        #expect(decodeError(asciiBytes("I1\np99999999999999999999999\n.")) == .invalidText)
    }

    @Test func getBeforePutFails() {
        #expect(decodeError([0x80, 0x02, 0x68, 0x05, 0x2E]) == .memoMissing)
        #expect(decodeError(asciiBytes("g0\n.")) == .memoMissing)
    }

    @Test func memoEntriesAreBounded() {
        var p: [UInt8] = [0x80, 0x04, 0x4E]
        for _ in 0 ..< 100 { p.append(0x94) }  // MEMOIZE × 100
        p.append(0x2E)
        #expect(decodeError(p) == nil)
        #expect(decodeError(p, limits: PickleLimits(maxMemoEntries: 50)) == .limitExceeded)
    }

    // MARK: - Expansion (billion laughs)

    /// Level i is a list of ten references to level i-1: 10^levels leaves, a few hundred bytes.
    static func billionLaughs(levels: Int) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x5D, 0x4B, 0x01, 0x61, 0x71, 0x00]  // [1], memo 0
        for i in 1 ... levels {
            p += [0x5D, 0x28]
            for _ in 0 ..< 10 { p += [0x68, UInt8(i - 1)] }
            p += [0x65, 0x71, UInt8(i)]
        }
        return p + [0x2E]
    }

    @Test func billionLaughsDecodesButJSONStopsAtItsBudget() throws {
        let doc = try PickleDecoder().decode(pickle: Self.billionLaughs(levels: 9))
        #expect(doc.nodes.count < 50)
        #expect(throws: PickleError(.jsonLimitExceeded, detail: "JSON output larger than maxDecodedBytes")) {
            _ = try doc.canonicalJSON(limits: PickleLimits(maxDecodedBytes: 1 << 20, minJSONBytes: 1 << 30))
        }
        // The default budget fails at once too: the expansion is bounded before writing (by the
        // proportional budget, the smaller for a pickle this small).
        #expect(throws: PickleJSONOverflow.proportional) {
            _ = try doc.canonicalJSON()
        }
        #expect(PickleDocument.structurallyEqual(doc, doc.root, doc, doc.root))
    }

    @Test func dupChainSharesInsteadOfCopying() throws {
        // DUP makes [x, x]; 40 levels would be 2^40 leaves if expanded.
        var p: [UInt8] = [0x80, 0x02, 0x4B, 0x01]
        for _ in 0 ..< 40 { p += [0x32, 0x86] }  // DUP, TUPLE2 -> (x, x)
        p.append(0x2E)
        let doc = try PickleDecoder().decode(pickle: p)
        #expect(doc.nodes.count == 41)
        do {
            _ = try doc.canonicalJSON(limits: PickleLimits(maxDecodedBytes: 100_000))
            Issue.record("expansion must hit the budget")
        } catch {
            #expect(error.code == .jsonLimitExceeded)
        }
        // Hashability checks and equality walk shared tuples once, not 2^40 times.
        let keyed = try PickleDecoder().decode(pickle: [0x7D] + Array(p.dropLast()) + [0x4E, 0x73, 0x2E])
        guard case .dict(let d) = keyed[keyed.root] else { Issue.record("expected dict"); return }
        #expect(d.keys.count == 1)
        #expect(PickleDocument.structurallyEqual(doc, doc.root, doc, doc.root))
    }

    // MARK: - Cycles

    @Test func selfContainingListIsACycle() throws {
        let doc = try PickleDecoder().decode(pickle: asciiBytes("(lp0\ng0\na."))
        #expect(try doc.canonicalJSON() == "[{\"$ref\":\"cycle\"}]")
        guard case .list(let items) = doc[doc.root] else { Issue.record("expected list"); return }
        #expect(items == [doc.root])
        let again = try PickleDecoder().decode(pickle: asciiBytes("(lp0\ng0\na."))
        #expect(PickleDocument.structurallyEqual(doc, doc.root, again, again.root))
        let different = try PickleDecoder().decode(pickle: asciiBytes("(lp0\n(lp1\na."))
        #expect(!PickleDocument.structurallyEqual(doc, doc.root, different, different.root))
    }

    @Test func objectStateCycle() throws {
        // o = Foo(); o.me = o  (protocol 2)
        let p: [UInt8] = [0x80, 0x02] + asciiBytes("capp\nFoo\n") + [0x71, 0x00, 0x29, 0x81, 0x71, 0x01, 0x7D, 0x71, 0x02]
            + [0x58, 0x02, 0, 0, 0] + asciiBytes("me") + [0x68, 0x01, 0x73, 0x62, 0x2E]
        let doc = try PickleDecoder().decode(pickle: p)
        #expect(try doc.canonicalJSON() == "{\"$class\":\"app.Foo\",\"$args\":[],\"$state\":{\"me\":{\"$ref\":\"cycle\"}}}")
    }

    // MARK: - Deep nesting

    /// `]` × n then `a` × (n-1): a list nested n deep, built on the stack.
    static func deepList(_ n: Int) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02]
        p += [UInt8](repeating: 0x5D, count: n)
        p += [UInt8](repeating: 0x61, count: n - 1)
        return p + [0x2E]
    }

    @Test func millionDeepNestingSurvivesEverything() throws {
        let n = 1_000_000
        let raised = PickleLimits(maxOpcodes: 3 * n, maxStackDepth: 2 * n, maxDecodedBytes: 1 << 30, maxNestingDepth: 2 * n)
        let pickle = Self.deepList(n)
        var doc: PickleDocument? = try PickleDecoder(limits: raised).decode(pickle: pickle)
        let other = try PickleDecoder(limits: raised).decode(pickle: pickle)
        #expect(doc!.nodes.count == n)
        #expect(PickleDocument.structurallyEqual(doc!, doc!.root, other, other.root))
        let json = try doc!.canonicalJSON(limits: raised)
        #expect(json.utf8.count == 2 * n)
        #expect(json.hasPrefix("[[[[") && json.hasSuffix("]]]]"))
        #expect(throws: PickleError(.jsonLimitExceeded, detail: "nesting deeper than maxNestingDepth")) {
            _ = try doc!.canonicalJSON()
        }
        #expect(doc!.description == "PickleDocument(1000000 nodes)")
        doc = nil  // flat arena: deallocation does not recurse
        #expect(doc == nil)
    }

    @Test func millionDeepNestingHitsDefaultLimitsCleanly() {
        #expect(decodeError(Self.deepList(1_000_000)) == .limitExceeded)
        var marks: [UInt8] = [UInt8](repeating: 0x28, count: 1_000_000)
        marks += [UInt8](repeating: 0x6C, count: 1_000_000)
        #expect(decodeError(marks + [0x2E]) == .limitExceeded)
    }

    @Test func deepNestingThroughTheMemoWithinDefaultLimits() throws {
        // ] h0 a q0 POP: each new list holds the previous one; the stack stays flat.
        var p: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x30]
        for _ in 0 ..< 300_000 { p += [0x5D, 0x68, 0x00, 0x61, 0x71, 0x00, 0x30] }
        p += [0x68, 0x00, 0x2E]
        let doc = try PickleDecoder().decode(pickle: p)
        do {
            _ = try doc.canonicalJSON()
            Issue.record("300,000 levels exceed maxNestingDepth")
        } catch {
            #expect(error.code == .jsonLimitExceeded)
        }
        #expect(PickleDocument.structurallyEqual(doc, doc.root, doc, doc.root))
    }

    // MARK: - Stack abuse

    @Test func stackAbuse() {
        #expect(decodeError(asciiBytes(".")) == .stackUnderflow)
        #expect(decodeError(asciiBytes("(.")) == .stackUnderflow)
        #expect(decodeError(asciiBytes("K\u{01}(a.")) == .stackUnderflow)   // items below a MARK are out of reach
        #expect(decodeError(asciiBytes("0.")) == .stackUnderflow)
        #expect(decodeError(asciiBytes("2.")) == .stackUnderflow)
        #expect(decodeError(asciiBytes("1N.")) == .markMissing)
        #expect(decodeError(asciiBytes("t.")) == .markMissing)
        #expect(decodeError(asciiBytes("}(K\u{01}u.")) == .badValue)         // odd SETITEMS
        #expect(decodeError(asciiBytes("(K\u{01}d.")) == .badValue)          // odd DICT
        #expect(decodeError(asciiBytes("K\u{01}K\u{02}a.")) == .typeMismatch) // APPEND to an int
        #expect(decodeError(asciiBytes("NK\u{01}K\u{02}s.")) == .typeMismatch)
        #expect(decodeError(asciiBytes("]N\u{62}.")) == nil)                   // BUILD with None state: a no-op, as in CPython
        #expect(decodeError(asciiBytes("](K\u{01}l\u{62}.")) == .typeMismatch) // BUILD on a list
        #expect(decodeError(asciiBytes("}(S'a'\nK\u{01}d\u{62}.")) == .typeMismatch) // BUILD on a plain dict
        #expect(decodeError([0x80, 0x04, 0x91, 0x2E]) == .markMissing)
        #expect(decodeError([0x80, 0x04, 0x8F, 0x4B, 0x01, 0x61, 0x2E]) == .typeMismatch)  // APPEND to a set
        #expect(decodeError([0x80, 0x04, 0x5D, 0x28, 0x4B, 0x01, 0x90, 0x2E]) == .typeMismatch) // ADDITEMS to a list
    }

    @Test func popAlsoPopsAMark() throws {
        let doc = try PickleDecoder().decode(pickle: asciiBytes("K\u{07}(0."))
        #expect(doc[doc.root] == .int(7))
    }

    @Test func unhashableKeysAreRefusedLikeCPython() {
        #expect(decodeError(asciiBytes("}]K\u{01}s.")) == .unhashableKey)                    // list key
        #expect(decodeError(asciiBytes("}}K\u{01}s.")) == .unhashableKey)                    // dict key
        #expect(decodeError([0x7D, 0x5D, 0x85, 0x4B, 0x01, 0x73, 0x2E]) == .unhashableKey)  // (list,) key
        #expect(decodeError([0x80, 0x04, 0x8F, 0x28, 0x5D, 0x90, 0x2E]) == .unhashableKey)  // set element
        #expect(decodeError([0x80, 0x04, 0x28, 0x7D, 0x91, 0x2E]) == .unhashableKey)        // frozenset element
        #expect(decodeError(asciiBytes("c__builtin__\nset\n((lp1\n(lp2\natR.")) == .unhashableKey)
        #expect(decodeError(asciiBytes("}(K\u{01}tK\u{01}s.")) == nil)                        // tuple of ints is fine
    }

    @Test func appendToAnInertObjectIsRecorded() throws {
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x02] + asciiBytes("cfoo\nBar\n)") + [0x81] + asciiBytes("K\u{01}a(K\u{02}K\u{03}eK\u{04}K\u{05}s."))
        guard case .object(let o) = doc[doc.root] else { Issue.record("expected object"); return }
        #expect(o.listItems.count == 3)
        #expect(o.dictItems.count == 2)
        #expect(try doc.canonicalJSON() == "{\"$class\":\"foo.Bar\",\"$args\":[],\"$items\":[1,2,3],\"$dictitems\":[[4,5]]}")
    }

    // MARK: - Frames, protocols, opcodes

    @Test func badFrames() {
        let eight: (Int) -> [UInt8] = { n in (0 ..< 8).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } }
        #expect(decodeError([0x80, 0x04, 0x95] + eight(255) + asciiBytes("N.")) == .badFrame)            // beyond the input
        #expect(decodeError([0x80, 0x04, 0x95] + eight(2) + [0x4A, 0x01, 0x00, 0x00, 0x00, 0x2E]) == .badFrame)  // BININT crosses
        #expect(decodeError([0x80, 0x04, 0x95] + eight(12) + [0x95] + eight(1) + asciiBytes("N..")) == .badFrame)  // frame in frame
        #expect(decodeError([0x80, 0x04, 0x95] + eight(3) + asciiBytes("I12\n.")) == .badFrame)         // text line crosses
        #expect(decodeError([0x80, 0x04, 0x95] + eight(2) + asciiBytes("N.")) == nil)
        #expect(decodeError([0x80, 0x04, 0x95] + eight(1) + asciiBytes("K\u{05}.")) == nil)             // argument after the frame's end
    }

    @Test func unsupportedAndUnknown() {
        #expect(decodeError([0x80, 0x06, 0x4E, 0x2E]) == .unsupportedProtocol)
        #expect(decodeError([0x80, 0xFF, 0x4E, 0x2E]) == .unsupportedProtocol)
        #expect(decodeError(asciiBytes("P1\n.")) == .unsupportedOpcode)
        #expect(decodeError(asciiBytes("NQ.")) == .unsupportedOpcode)
        #expect(decodeError([0x80, 0x02, 0x82, 0x01, 0x2E]) == .unsupportedOpcode)
        #expect(decodeError([0x80, 0x02, 0x83, 0x01, 0x00, 0x2E]) == .unsupportedOpcode)
        #expect(decodeError([0x80, 0x02, 0x84, 0x01, 0x00, 0x00, 0x00, 0x2E]) == .unsupportedOpcode)
        #expect(decodeError([0x80, 0x05, 0x97, 0x2E]) == .unsupportedOpcode)
        #expect(decodeError([0x80, 0x05, 0x4E, 0x98, 0x2E]) == .unsupportedOpcode)
        #expect(decodeError([0xFF]) == .unknownOpcode)
        #expect(decodeError([0x80, 0x05, 0x99]) == .unknownOpcode)
        #expect(decodeError([]) == .truncated)
    }

    // MARK: - Text arguments

    @Test func textIntegersAreStrictButCompatible() throws {
        for bad in ["I 12\n.", "I1_000\n.", "I012\n.", "I\n.", "I12 \n.", "I0x10\n.", "L1_0L\n.", "I-\n."] {
            #expect(decodeError(asciiBytes(bad)) == .invalidText, "\(bad)")
        }
        let ok: [(String, PickleNode)] = [("I-0\n.", .int(0)), ("I+5\n.", .int(5)), ("L123\n.", .int(123)), ("I01\n.", .bool(true)),
                                          ("I00\n.", .bool(false)), ("I0\n.", .int(0)), ("L-9223372036854775808L\n.", .int(.min))]
        for (text, value) in ok {
            let doc = try PickleDecoder().decode(pickle: asciiBytes(text))
            #expect(doc[doc.root] == value, "\(text)")
        }
        #expect(decodeError(asciiBytes("I" + String(repeating: "9", count: 5000) + "\n.")) == .limitExceeded)
        #expect(decodeError(asciiBytes("L" + String(repeating: "9", count: 4300) + "L\n.")) == nil)
    }

    @Test func textFloatsAndStrings() {
        for bad in ["F1_0\n.", "F 1.5\n.", "F0x1p3\n.", "F\n.", "F1e\n.", "Fnanx\n.", "F.\n."] {
            #expect(decodeError(asciiBytes(bad)) == .invalidText, "\(bad)")
        }
        for bad in ["S'abc\n.", "Sabc\n.", "S'abc\"\n.", "S'a\\x4'\n.", "S'\n.", "S'a\\'\n."] {
            #expect(decodeError(asciiBytes(bad)) == .invalidText, "\(bad)")
        }
        for bad in ["V\\u12\n.", "V\\ud800\n.", "V\\U00110000\n.", "V\\udc00\\ud800\n."] {
            #expect(decodeError(asciiBytes(bad)) == .invalidText, "\(bad)")
        }
        #expect(decodeError([0x80, 0x03, 0x58, 0x01, 0, 0, 0, 0xFF, 0x2E]) == .invalidText)
        #expect(decodeError([0x80, 0x03, 0x58, 0x03, 0, 0, 0, 0xED, 0xA0, 0x80, 0x2E]) == .invalidText)    // lone surrogate
        #expect(decodeError([0x80, 0x03, 0x58, 0x02, 0, 0, 0, 0xC0, 0x80, 0x2E]) == .invalidText)          // overlong
        #expect(decodeError(asciiBytes("c\u{FF}\nx\n.").map { $0 == 0xC3 ? 0xFF : $0 }.filter { $0 != 0xBF }) == .invalidText)
    }

    @Test func surrogatePairsAreJoined() throws {
        // CPython's surrogatepass UTF-8 of U+1F600 written as two 3-byte surrogates, and as \u escapes.
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x03, 0x58, 0x06, 0, 0, 0, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x2E])
        #expect(doc[doc.root] == .string("\u{1F600}"))
        let v = try PickleDecoder().decode(pickle: asciiBytes("V\\ud83d\\ude00\n."))
        #expect(v[v.root] == .string("\u{1F600}"))
    }

    // MARK: - Known types with impossible values

    @Test func knownTypesWithImpossibleValues() {
        // datetime month 13
        #expect(decodeError([0x80, 0x03] + asciiBytes("cdatetime\ndatetime\nC\n") + [0x07, 0xDD, 13, 6, 7, 8, 9, 0, 0, 0, 0x85, 0x52, 0x2E]) == .badValue)
        // timezone of exactly 24 hours
        #expect(decodeError(asciiBytes("cdatetime\ntimezone\n(cdatetime\ntimedelta\n(I1\nI0\nI0\ntRtR.")) == .badValue)
        #expect(decodeError(asciiBytes("cdecimal\nDecimal\n(S'abc'\ntR.")) == .badValue)
        #expect(decodeError(asciiBytes("c_codecs\nencode\n(V\\u20ac\nVlatin1\ntR.")) == .badValue)
        #expect(decodeError(asciiBytes("cdatetime\ntimedelta\n(I1000000000\nI0\nI0\ntR.")) == .badValue)
    }

    @Test func timedeltaNormalizationNeverTraps() throws {
        // Expected from python3: timedelta(0, 0, -2**63) == timedelta(-106751992, 71945, 224192).
        let doc = try PickleDecoder().decode(pickle: asciiBytes("cdatetime\ntimedelta\n(I0\nI0\nL-9223372036854775808L\ntR."))
        #expect(doc[doc.root] == .timedelta(PickleTimedelta(days: -106_751_992, seconds: 71_945, microseconds: 224_192)))
        #expect(decodeError(asciiBytes("cdatetime\ntimedelta\n(I9223372036854775807\nI9223372036854775807\nI0\ntR.")) == .badValue)
        #expect(decodeError(asciiBytes("cdatetime\ntimedelta\n(I-9223372036854775808\nI-9223372036854775808\nI-9223372036854775808\ntR.")) == .badValue)
    }

    @Test func knownTypesWithUnknownShapesStayInert() throws {
        let doc = try PickleDecoder().decode(pickle: asciiBytes("cdatetime\ndatetime\n(S'short'\ntR."))
        guard case .object(let o) = doc[doc.root] else { Issue.record("expected inert object"); return }
        #expect(o.type == PickleGlobal(module: "datetime", name: "datetime"))
    }

    // MARK: - Limits

    @Test func limitsAreEnforced() {
        let list = [0x80, 0x02, 0x5D, 0x28] + [UInt8](repeating: 0x4E, count: 100) + [0x65, 0x2E]
        #expect(decodeError(list) == nil)
        #expect(decodeError(list, limits: PickleLimits(maxContainerElements: 99)) == .limitExceeded)
        #expect(decodeError(list, limits: PickleLimits(maxOpcodes: 50)) == .limitExceeded)
        #expect(decodeError(list, limits: PickleLimits(maxStackDepth: 50)) == .limitExceeded)
        #expect(decodeError([UInt8](repeating: 0x28, count: 20) + [0x4E, 0x2E], limits: PickleLimits(maxMarkDepth: 10)) == .limitExceeded)
    }

    // MARK: - Errors never carry input data

    @Test func errorDescriptionsCarryNoInputData() {
        let secret = "hunter2-ann@example.org"
        let cases: [[UInt8]] = [asciiBytes("S'\(secret)\n."), asciiBytes("V\(secret)\\u12\n."), asciiBytes("I\(secret)\n."),
                                asciiBytes("c\(secret)\n"), asciiBytes("}(S'\(secret)'\nu.")]
        for pickle in cases {
            do {
                _ = try PickleDecoder().decode(pickle: pickle)
                Issue.record("expected an error")
            } catch {
                #expect(!error.description.contains("hunter2"))
                #expect(!error.detail.contains("hunter2"))
                #expect(error.description.hasPrefix("pickle: "))
            }
        }
    }

    @Test func errorDescriptionFormat() {
        let e = PickleError(.memoMissing, offset: 2, opcode: 0x68, detail: "memo index was never PUT")
        #expect(e.description == "pickle: memoMissing at byte 2 (opcode 0x68 'h'): memo index was never PUT")
        #expect(PickleError(.truncated, offset: 9, opcode: 0x95).description == "pickle: truncated at byte 9 (opcode 0x95)")
    }
}
