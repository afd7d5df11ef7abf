import Testing
import PickleCodec

/// The typed values behind the golden corpus: known types, Python 2 forms, reference semantics.
@Suite struct DecoderValueTests {
    func decode(_ name: String, protocol p: Int) throws -> PickleDocument {
        try PickleDecoder().decode(base64Text: Array(DecoderFixtures.golden(name, protocol: p).base64Text.utf8))
    }

    @Test func seedInitializerFromPython2() throws {
        let doc = try decode("py2_seed_initializer", protocol: 0)
        #expect(doc[doc.lookup(path: ["uid"])!] == .int(0))
        #expect(doc[doc.lookup(path: ["current_page"])!] == .py2String(PickleBytes(Array("index".utf8))))
        #expect(doc.text(of: doc.lookup(path: ["user_role"])!) == "invited")
        #expect(doc.text(of: doc.lookup(path: ["username"])!) == "")
        #expect(doc.lookup(path: ["missing"]) == nil)
        #expect(doc.lookup(path: ["uid", "deeper"]) == nil)
    }

    @Test(arguments: 0 ... 5)
    func webSessionFields(_ p: Int) throws {
        let doc = try decode("websession", protocol: p)
        #expect(doc[doc.lookup(path: ["uid"])!] == .int(12345))
        #expect(doc.text(of: doc.lookup(path: ["current_page"])!) == "dashboard")
        #expect(doc.text(of: doc.lookup(path: ["user", "email"])!) == "ann@example.org")
        guard case .dict(let user) = doc[doc.lookup(path: ["user"])!] else { Issue.record("user is not a dict"); return }
        #expect(user.subclass == PickleGlobal(module: "web.utils", name: "Storage"))
        guard case .datetime(let login) = doc[doc.lookup(path: ["login_time"])!] else { Issue.record("no datetime"); return }
        #expect(login.date == PickleDate(year: 2024, month: 3, day: 1))
        #expect(login.time.microsecond == 250_000 && login.time.tzinfo == nil)
        guard case .uuid(let csrf) = doc[doc.lookup(path: ["csrf"])!] else { Issue.record("no uuid"); return }
        #expect(csrf.hyphenated == "12345678-1234-5678-1234-567812345678")
        #expect(doc[doc.lookup(path: ["cart_total"])!] == .decimal(PickleDecimal("19.90")))
    }

    @Test(arguments: 0 ... 5)
    func awareDatetimeWithFold(_ p: Int) throws {
        let doc = try decode("datetime_fold_aware", protocol: p)
        guard case .datetime(let dt) = doc[doc.root] else { Issue.record("no datetime"); return }
        // CPython encodes fold only for protocol 4 and above (datetime._getstate).
        #expect(dt.time.fold == (p >= 4 ? 1 : 0))
        #expect(doc.utcOffset(of: dt.time.tzinfo) == PickleTimedelta(days: -1, seconds: 73_800, microseconds: 0))
        #expect(dt.isoformat(utcOffset: doc.utcOffset(of: dt.time.tzinfo)) == "2021-11-07T01:30:00-03:30")
        let t = try decode("time_micro_fold", protocol: p)
        guard case .time(let time) = t[t.root] else { Issue.record("no time"); return }
        #expect(time.fold == (p >= 4 ? 1 : 0) && time.microsecond == 4)
    }

    @Test(arguments: 0 ... 5)
    func namedTimezone(_ p: Int) throws {
        let doc = try decode("timezone_named", protocol: p)
        #expect(doc[doc.root] == .timezone(PickleTimezone(offset: PickleTimedelta(days: 0, seconds: 19_800, microseconds: 0), name: "IST")))
    }

    @Test func psycopg2FixedOffset() throws {
        let py2 = try decode("py2_psycopg2_datetime", protocol: 0)
        guard case .datetime(let dt) = py2[py2.root], let tz = dt.time.tzinfo, case .timezone(let zone) = py2[tz] else {
            Issue.record("no aware datetime"); return
        }
        #expect(zone.origin == PickleGlobal(module: "psycopg2.tz", name: "FixedOffsetTimezone"))
        #expect(zone.offset == PickleTimedelta(days: 0, seconds: 7200, microseconds: 0) && zone.name == nil)
        for p in 0 ... 5 {
            let doc = try decode("psycopg2_tz_named", protocol: p)
            guard case .datetime(let d) = doc[doc.root] else { Issue.record("no datetime"); continue }
            #expect(doc.utcOffset(of: d.time.tzinfo) == PickleTimedelta(days: -1, seconds: 66_600, microseconds: 0))
            guard let tz = d.time.tzinfo, case .timezone(let z) = doc[tz] else { Issue.record("no zone"); continue }
            #expect(z.name == "X")
        }
    }

    @Test(arguments: 0 ... 5)
    func containersAndBytesAcrossProtocols(_ p: Int) throws {
        let set = try decode("set", protocol: p)
        guard case .set(let items) = set[set.root] else { Issue.record("no set (protocol \(p))"); return }
        #expect(items.count == 3)
        let fs = try decode("frozenset", protocol: p)
        guard case .frozenset = fs[fs.root] else { Issue.record("no frozenset"); return }
        let ba = try decode("bytearray", protocol: p)
        #expect(ba[ba.root] == .bytearray(Array("hello".utf8) + [0, 0xFF]))
        let b = try decode("bytes", protocol: p)
        guard case .list(let bs) = b[b.root] else { Issue.record("no list"); return }
        #expect(b[bs[2]] == .bytes((0 ... 255).map { UInt8($0) }))
        let storage = try decode("storage", protocol: p)
        guard case .dict(let d) = storage[storage.root] else { Issue.record("no dict"); return }
        #expect(d.subclass == PickleGlobal(module: "web.utils", name: "Storage"))
        #expect(storage[storage.value(forKey: "a", in: storage.root)!] == .int(1))
    }

    @Test(arguments: 0 ... 5)
    func sharedReferencesAreOneNode(_ p: Int) throws {
        let doc = try decode("shared_refs", protocol: p)
        let x = doc.lookup(path: ["x"]), y = doc.lookup(path: ["y"])
        #expect(x != nil && x == y)
    }

    @Test func bigIntegers() throws {
        let doc = try decode("int64_edges", protocol: 2)
        guard case .list(let items) = doc[doc.root] else { Issue.record("no list"); return }
        #expect(doc[items[0]] == .int(.max))
        #expect(doc[items[1]] == .int(.min))
        guard case .bigInt(let b) = doc[items[4]] else { Issue.record("2^64 is not big"); return }
        #expect(b.decimalString == "18446744073709551616")
    }

    @Test(arguments: 0 ... 5)
    func inertObjectKeepsItsState(_ p: Int) throws {
        let doc = try decode("object", protocol: p)
        guard case .object(let o) = doc[doc.root] else { Issue.record("no object"); return }
        #expect(o.type == PickleGlobal(module: "myapp.models", name: "Point"))
        #expect(doc[doc.value(forKey: "x", in: doc.root)!] == .int(1))
    }

    @Test func python2Specifics() throws {
        let s = try decode("py2_str_escapes", protocol: 0)
        guard case .list(let items) = s[s.root] else { Issue.record("no list"); return }
        #expect(s[items[0]] == .py2String(PickleBytes(Array("it's\n".utf8) + [0, 0x5C])))
        guard case .py2String(let cafe) = s[items[1]] else { Issue.record("no py2 str"); return }
        #expect(cafe.bytes == [0x63, 0x61, 0x66, 0xE9] && cafe.text == "caf\u{E9}")
        let u = try decode("py2_uuid", protocol: 0)
        guard case .uuid = u[u.root] else { Issue.record("no uuid"); return }
        let st = try decode("py2_storage_reconstructor", protocol: 0)
        guard case .dict(let d) = st[st.root] else { Issue.record("no dict"); return }
        #expect(d.subclass == PickleGlobal(module: "web.utils", name: "Storage"))
        #expect(st[st.lookup(path: ["uid"])!] == .int(42))
        #expect(st[st.lookup(path: ["name"])!] == .string("Ann"))
    }

    @Test func containersAreMemoizedBeforeTheyAreFilled() throws {
        let list = try PickleDecoder().decode(pickle: asciiBytes("(lp0\nI1\naI2\na0g0\n."))
        guard case .list(let items) = list[list.root] else { Issue.record("no list"); return }
        #expect(items.map { list[$0] } == [.int(1), .int(2)])
        let dict = try PickleDecoder().decode(pickle: asciiBytes("(dp0\nS'a'\nI1\ns0g0\n."))
        #expect(dict[dict.value(forKey: "a", in: dict.root)!] == .int(1))
    }

    @Test func repeatedKeysKeepFirstPositionAndLastValue() throws {
        let doc = try PickleDecoder().decode(pickle: asciiBytes("}(S'a'\nK\u{01}S'b'\nK\u{02}Va\nK\u{03}I01\nK\u{04}K\u{01}K\u{05}u."))
        #expect(try doc.canonicalJSON() == "[[\"a\",3],[\"b\",2],[true,5]]")
        #expect(doc[doc.value(forKey: "a", in: doc.root)!] == .int(3))
    }

    @Test func bytesAfterStopAreIgnored() throws {
        let doc = try PickleDecoder().decode(pickle: asciiBytes("K\u{01}.garbage"))
        #expect(doc[doc.root] == .int(1))
    }
}
