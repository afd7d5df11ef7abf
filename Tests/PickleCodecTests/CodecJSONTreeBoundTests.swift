import Testing
@testable import PickleCodec

/// The allocation-free tree pre-check (``PickleJSONExporter/treeBound(_:)``) and the datetime and
/// date digits written straight into the output must not change a byte of any export.
@Suite struct CodecJSONTreeBoundTests {
    func export(_ doc: PickleDocument, treeCheck: Bool, limits: PickleLimits = .default) -> Result<String, PickleError> {
        var exporter = PickleJSONExporter(document: doc, limits: limits)
        exporter.treeCheckEnabled = treeCheck
        do { return .success(try exporter.export(doc.root)) } catch { return .failure(error) }
    }

    func treeBound(_ doc: PickleDocument) -> (bound: Int?, marksCleared: Bool) {
        var exporter = PickleJSONExporter(document: doc, limits: .default)
        let bound = exporter.treeBound(doc.root)
        return (bound, exporter.onPath.allSatisfy { $0 == 0 })
    }

    @Test(arguments: DecoderFixtures.golden)
    func sameOutputWithAndWithoutTheTreeCheck(_ c: GoldenCase) throws {
        let doc = try PickleDecoder().decode(pickle: c.pickle)
        #expect(export(doc, treeCheck: true) == export(doc, treeCheck: false))
        // Never below the full analysis' bound, so it can only skip a pre-check that would pass.
        let (bound, cleared) = treeBound(doc)
        #expect(cleared)
        if let bound {
            #expect(bound >= PickleJSONExporter(document: doc, limits: .default).expansionLowerBound(doc.root))
        }
    }

    @Test func aSessionIsATree() throws {
        // {"a": [1, "x"], "b": "x", "c": datetime.datetime(2024, 7, 30, 21, 8, 2, 232764)}, protocol 4,
        // the "x" shared through the memo (BINGET), as CPython writes a repeated str.
        let p: [UInt8] = [0x80, 0x04, 0x7D, 0x94, 0x28, 0x8C, 0x01, 0x61, 0x94, 0x5D, 0x94, 0x28, 0x4B, 0x01,
                          0x8C, 0x01, 0x78, 0x94, 0x65, 0x8C, 0x01, 0x62, 0x94, 0x68, 0x03,
                          0x8C, 0x01, 0x63, 0x94, 0x8C, 0x08] + asciiBytes("datetime") + [0x94,
                          0x8C, 0x08] + asciiBytes("datetime") + [0x94, 0x93, 0x94,
                          0x43, 0x0A, 0x07, 0xE8, 0x07, 0x1E, 0x15, 0x08, 0x02, 0x03, 0x8D, 0x3C, 0x94, 0x85, 0x94,
                          0x52, 0x94, 0x75, 0x2E]
        let doc = try PickleDecoder().decode(pickle: p)
        #expect(try doc.canonicalJSON() == #"{"a":[1,"x"],"b":"x","c":"2024-07-30T21:08:02.232764"}"#)
        let (bound, cleared) = treeBound(doc)
        #expect(bound != nil)
        #expect(cleared)
    }

    @Test func sharedOrCyclicContainersAreNotATree() throws {
        // a = [1]; [a, a]
        let shared = try PickleDecoder().decode(pickle: asciiBytes("(lp0\n(lp1\nI1\naag1\na."))
        #expect(try shared.canonicalJSON() == "[[1],[1]]")
        #expect(treeBound(shared).bound == nil)
        #expect(treeBound(shared).marksCleared)
        // a = []; a.append(a)
        let cycle = try PickleDecoder().decode(pickle: asciiBytes("(lp0\ng0\na."))
        #expect(try cycle.canonicalJSON() == #"[{"$ref":"cycle"}]"#)
        #expect(treeBound(cycle).bound == nil)
        // A billion laughs still fails at once, with the same error.
        var laughs: [UInt8] = [0x80, 0x02, 0x5D, 0x4B, 0x01, 0x61, 0x71, 0x00, 0x30]
        for i in 1 ... 9 {
            laughs += [0x5D, 0x28]
            for _ in 0 ..< 10 { laughs += [0x68, UInt8(i - 1)] }
            laughs += [0x65, 0x71, UInt8(i), 0x30]
        }
        laughs += [0x68, 0x09, 0x2E]
        let doc = try PickleDecoder().decode(pickle: laughs)
        #expect(treeBound(doc).bound == nil)
        #expect(export(doc, treeCheck: true) == export(doc, treeCheck: false))
        guard case .failure(let e) = export(doc, treeCheck: true) else { Issue.record("no error"); return }
        #expect(e.code == .jsonLimitExceeded)
    }

    @Test func objectsAndOtherExtrasTakeTheFullAnalysis() throws {
        // An inert object (its children are not item slots).
        let doc = try PickleDecoder().decode(pickle: asciiBytes("c__main__\nThing\n(I1\ntR."))
        #expect(treeBound(doc).bound == nil)
        #expect(try doc.canonicalJSON() == #"{"$class":"__main__.Thing","$args":[1]}"#)
    }

    /// Dates and datetimes as the decoder stores them (records) against the same values kept as
    /// nodes (the `isoformat` path), through CPython's own pickling of them (re-encoded by us).
    @Test(arguments: [
        (1, 1, 1, 0, 0, 0, 0), (9999, 12, 31, 23, 59, 59, 999_999), (2024, 2, 29, 7, 5, 3, 40), (812, 10, 9, 0, 0, 1, 1),
    ])
    func datesAndDatetimesAsIsoformat(_ f: (Int, Int, Int, Int, Int, Int, Int)) throws {
        let date = PickleDate(year: f.0, month: f.1, day: f.2)
        let offsets: [PickleTimedelta?] = [nil, PickleTimedelta(days: 0, seconds: 0, microseconds: 0),
                                           PickleTimedelta(days: -1, seconds: 84_600, microseconds: 0),
                                           PickleTimedelta(days: 0, seconds: 19_800, microseconds: 5),
                                           PickleTimedelta(days: 0, seconds: 3_600 * 5 + 7, microseconds: 0)]
        for offset in offsets {
            let time = PickleTime(hour: f.3, minute: f.4, second: f.5, microsecond: f.6, tzinfo: offset.map { _ in PickleRef(3) })
            var nodes: [PickleNode] = [.list([PickleRef(1), PickleRef(2)]), .date(date), .datetime(PickleDateTime(date: date, time: time))]
            if let offset { nodes.append(.timezone(PickleTimezone(offset: offset))) }
            let built = PickleDocument(nodes: nodes, root: PickleRef(0))
            let want = try built.canonicalJSON()
            for proto in [2, 4] {
                let decoded = try PickleDecoder().decode(pickle: try PickleEncoder(protocol: proto).encode(built))
                let raw = decoded.storage.raw
                if proto == 4 {
                    // The records this test is about, not extras.
                    #expect((0 ..< raw.count).contains { raw.base[$0].tag == .datetime })
                    #expect((0 ..< raw.count).contains { raw.base[$0].tag == .date })
                }
                #expect(try decoded.canonicalJSON() == want)
                #expect(String(decoding: try decoded.canonicalJSONUTF8(), as: UTF8.self) == want)
            }
        }
    }
}
