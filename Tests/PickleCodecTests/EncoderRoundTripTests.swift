import Testing
import PickleCodec

/// What the encoder writes, the decoder reads back to the same value; plus the encoder's edges.
@Suite struct EncoderRoundTripTests {
    static let protocols = [0, 2, 3, 4, 5]

    @Test(arguments: EncoderFixtures.cases)
    func decodesToTheSameValue(_ fixture: EncoderFixtures.Case) throws {
        let doc = EncoderFixtures.Builder.document(fixture.value)
        // Python 2 str (written as SHORT_BINSTRING/BINSTRING from protocol 2 on, as cPickle does) included.
        for proto in Self.protocols {
            let bytes = try PickleEncoder(protocol: proto).encode(doc)
            let back = try PickleDecoder().decode(pickle: bytes)
            // Protocols below 4 carry no fold bit (as in CPython's datetime.__reduce_ex__).
            let want = proto < 4 ? Self.withoutFold(doc) : doc
            #expect(PickleDocument.structurallyEqual(want, want.root, back, back.root), "protocol \(proto)")
        }
    }

    static func withoutFold(_ doc: PickleDocument) -> PickleDocument {
        var d = doc
        for i in d.nodes.indices {
            let r = PickleRef(i)
            if case .datetime(var dt) = d[r] { dt.time.fold = 0; d[r] = .datetime(dt) }
            if case .time(var t) = d[r] { t.fold = 0; d[r] = .time(t) }
        }
        return d
    }

    @Test(arguments: protocols)
    func base64TextIsWebPysLayout(_ proto: Int) throws {
        // 200 strings: long enough for several 76-column lines and a short last one.
        var doc = PickleDocument()
        let items = (0..<200).map { doc.append(.string("value \($0)")) }
        doc.root = doc.append(.list(items))
        let text = try PickleEncoder(protocol: proto).encodeBase64Text(doc)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(text.hasSuffix("\n"))
        #expect(lines.dropLast(2).allSatisfy { $0.count == 76 })
        #expect(lines[lines.count - 2].count <= 76 && lines.last == "")
        let back = try PickleDecoder().decode(base64Text: Array(text.utf8))
        #expect(PickleDocument.structurallyEqual(doc, doc.root, back, back.root))
        #expect(try PickleDecoder().decode(base64Text: Array(text.utf8)).nodes.count == back.nodes.count)
        let raw = try PickleEncoder(protocol: proto).encode(doc)
        #expect(try PickleDecoder().decode(pickle: raw).nodes.count == back.nodes.count)
    }

    @Test func base64MatchesPythonsEncodebytes() throws {
        // base64.encodebytes(pickle.dumps(bytes(range(60)), 3)), from CPython.
        var doc = PickleDocument()
        doc.root = doc.append(.bytes(Array(0..<60)))
        let text = try PickleEncoder(protocol: 3).encodeBase64Text(doc)
        let bytes = try PickleEncoder(protocol: 3).encode(doc)
        #expect(bytes == [0x80, 3, 0x43, 60] + Array(0..<60) + [0x71, 0, 0x2E])
        #expect(text == "gANDPAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0\nNTY3ODk6O3EALg==\n")
    }

    @Test func refusesProtocolsItCannotWrite() {
        for proto in [1, 6, -1] {
            #expect(throws: PickleError(.unsupportedProtocol, detail: "encoder writes protocols 0 and 2 to 5")) {
                try PickleEncoder(protocol: proto).encode(PickleDocument())
            }
        }
    }

    @Test(arguments: protocols)
    func refusesDanglingReferences(_ proto: Int) {
        let doc = PickleDocument(nodes: [.list([PickleRef(7)])], root: PickleRef(0))
        #expect { try PickleEncoder(protocol: proto).encode(doc) } throws: { error in
            (error as? PickleError)?.code == .unencodable
        }
    }

    @Test(arguments: protocols)
    func refusesUnpairedDict(_ proto: Int) {
        let doc = PickleDocument(nodes: [.dict(PickleDict(keys: [PickleRef(1)], values: [])), .none], root: PickleRef(0))
        #expect { try PickleEncoder(protocol: proto).encode(doc) } throws: { error in
            (error as? PickleError)?.code == .unencodable
        }
    }

    @Test(arguments: protocols)
    func deepNestingDoesNotUseTheCallStack(_ proto: Int) throws {
        // 100k nested lists would overflow a recursive encoder's stack.
        var doc = PickleDocument()
        var inner = doc.append(.list([]))
        for _ in 0..<100_000 { inner = doc.append(.list([inner])) }
        doc.root = inner
        let bytes = try PickleEncoder(protocol: proto).encode(doc)
        let limits = PickleLimits(maxInputBytes: 64 << 20, maxOpcodes: 10_000_000, maxStackDepth: 1_000_000,
                                  maxMemoEntries: 10_000_000)
        let back = try PickleDecoder(limits: limits).decode(pickle: bytes)
        var depth = 0
        var ref = back.root
        while case .list(let items) = back[ref] {
            depth += 1
            guard let first = items.first else { break }
            ref = first
        }
        #expect(depth == 100_001)
    }

    @Test(arguments: protocols)
    func cyclesPythonCannotWriteAreRefused(_ proto: Int) {
        // o = Obj(*args) with args = (o,): REDUCE needs o before o exists; CPython recurses until RecursionError.
        var doc = PickleDocument()
        let obj = doc.append(.none)
        let args = doc.append(.tuple([obj]))
        doc[obj] = .object(PickleObject(type: PickleGlobal(module: "m", name: "C"), args: args))
        doc.root = obj
        #expect { try PickleEncoder(protocol: proto).encode(doc) } throws: { error in
            (error as? PickleError)?.code == .unencodable
        }
    }

    @Test(arguments: protocols)
    func storageThatContainsItselfRoundTrips(_ proto: Int) throws {
        var doc = PickleDocument()
        let s = doc.append(.none)
        let k = doc.append(.string("me"))
        doc[s] = .dict(PickleDict(keys: [k], values: [s], subclass: PickleGlobal(module: "web.utils", name: "Storage")))
        doc.root = s
        let back = try PickleDecoder().decode(pickle: try PickleEncoder(protocol: proto).encode(doc))
        #expect(PickleDocument.structurallyEqual(doc, doc.root, back, back.root))
    }

    @Test func cyclesAreWrittenThroughTheMemo() throws {
        // l = []; l.append(l): CPython writes ]q\x00h\x00a. (protocol 2).
        var doc = PickleDocument()
        let l = doc.append(.none)
        doc[l] = .list([l])
        doc.root = l
        #expect(try PickleEncoder(protocol: 2).encode(doc) == [0x80, 2, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E])
        #expect(try PickleEncoder(protocol: 0).encode(doc) == Array("(lp1\ng1\na.".utf8))
        let back = try PickleDecoder().decode(pickle: try PickleEncoder(protocol: 4).encode(doc))
        #expect(PickleDocument.structurallyEqual(doc, doc.root, back, back.root))
    }
}
