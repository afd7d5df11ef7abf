import PickleCodec
import Testing
@testable import SessionSyncd

@Suite struct ColumnConverterTests {
    let converter = ColumnConverter()

    func convert(_ node: PickleNode, _ type: ColumnType, nullValues: [NullValue] = [], maxLength: Int? = nil) -> ColumnConverter.Outcome {
        var doc = PickleDocument()
        let ref = doc.append(node)
        return converter.convert(ref, in: doc, for: ColumnMapping(name: "c", type: type, nullValues: nullValues, maxLength: maxLength))
    }

    func reason(_ outcome: ColumnConverter.Outcome) -> String? {
        if case .problem(let r, _) = outcome { return r }
        return nil
    }

    @Test func missingKeyIsNullAndAProblemOnlyWhenRequired() {
        let doc = PickleDocument()
        #expect(converter.convert(nil, in: doc, for: ColumnMapping(name: "c")) == .value(nil))
        #expect(converter.convert(nil, in: doc, for: ColumnMapping(name: "c", type: .integer, nullValues: [.int(0)])) == .value(nil))
        #expect(converter.convert(nil, in: doc, for: ColumnMapping(name: "c", required: true)) == .problem(reason: "missing key", excerpt: nil))
        // Python None is NULL without a problem, required or not.
        #expect(convert(.none, .integer) == .value(nil))
        var none = PickleDocument()
        let ref = none.append(.none)
        #expect(converter.convert(ref, in: none, for: ColumnMapping(name: "c", type: .integer, required: true)) == .value(nil))
    }

    /// `{'uid': 7, 'user': {'email': None}, 'guest': None, 'name': 'bob', 'cart': Storage(total=3)}` built by hand.
    private func nestedSession() -> PickleDocument {
        var doc = PickleDocument()
        let k = ["email", "total", "uid", "user", "guest", "name", "cart"].map { doc.append(.string($0)) }
        let none = doc.append(.none), three = doc.append(.int(3)), seven = doc.append(.int(7)), bob = doc.append(.string("bob"))
        let user = doc.append(.dict(PickleDict(keys: [k[0]], values: [none])))
        let cart = doc.append(.dict(PickleDict(keys: [k[1]], values: [three], subclass: PickleGlobal(module: "web.utils", name: "Storage"))))
        doc.root = doc.append(.dict(PickleDict(keys: [k[2], k[3], k[4], k[5], k[6]], values: [seven, user, none, bob, cart])))
        return doc
    }

    @Test func nestedPathsMissingOrThroughNoneAreMissingKeys() {
        let doc = nestedSession()
        func outcome(_ path: [String], required: Bool = false, type: ColumnType = .text) -> ColumnConverter.Outcome {
            converter.convert(in: doc, for: ColumnMapping(name: "c", path: path, type: type, required: required))
        }
        #expect(outcome(["uid"], type: .integer) == .value("7"))
        #expect(outcome(["cart", "total"], type: .integer) == .value("3"))
        for required in [false, true] {
            #expect(outcome(["user", "email"], required: required) == .value(nil), "None at the end of the path")
            let missing: ColumnConverter.Outcome = required ? .problem(reason: "missing key", excerpt: nil) : .value(nil)
            #expect(outcome(["cart_total"], required: required, type: .numeric) == missing)
            #expect(outcome(["user", "phone"], required: required) == missing)
            #expect(outcome(["prefs", "lang"], required: required) == missing, "a missing step")
            #expect(outcome(["guest", "email"], required: required) == missing, "a None step")
            #expect(outcome(["cart", "items", "n"], required: required) == missing)
            // A step holding a value without keys is a malformed session, whatever `required` says.
            #expect(outcome(["name", "first"], required: required) == .problem(reason: "wrong type: expected a dict at 'name', got str", excerpt: "bob"))
            #expect(reason(outcome(["uid", "x", "y"], required: required)) == "wrong type: expected a dict at 'uid', got int")
            #expect(reason(outcome(["cart", "total", "x"], required: required)) == "wrong type: expected a dict at 'cart.total', got int")
        }
        #expect(ColumnConverter.resolve([], in: doc) == .found(doc.root))
        #expect(ColumnConverter.resolve(["guest", "x"], in: doc) == .missing)
    }

    @Test func integersAreRangeChecked() {
        #expect(convert(.int(42), .integer) == .value("42"))
        #expect(convert(.int(2_147_483_647), .integer) == .value("2147483647"))
        #expect(reason(convert(.int(2_147_483_648), .integer)) == "out of range for integer")
        #expect(reason(convert(.int(-32_769), .smallint)) == "out of range for smallint")
        #expect(convert(.int(-32_768), .smallint) == .value("-32768"))
        #expect(convert(.int(Int64.min), .bigint) == .value("-9223372036854775808"))
        #expect(reason(convert(.bigInt(PickleBigInt(twosComplement: [0, 0, 0, 0, 0, 0, 0, 0, 1])), .bigint)) == "out of range for bigint")
        #expect(convert(.string("17"), .integer) == .value("17"))
        #expect(reason(convert(.string("17 "), .integer)) == "wrong type: expected integer, got str")
        #expect(reason(convert(.bool(true), .integer)) == "wrong type: expected integer, got bool")
        #expect(reason(convert(.float(1.0), .integer)) == "wrong type: expected integer, got float")
    }

    @Test func nullValuesBecomeNullWithoutAProblem() {
        #expect(convert(.int(0), .integer, nullValues: [.int(0)]) == .value(nil))
        #expect(convert(.int(1), .integer, nullValues: [.int(0)]) == .value("1"))
        #expect(convert(.string("anonymous"), .text, nullValues: [.string("anonymous")]) == .value(nil))
        #expect(convert(.py2String(PickleBytes(Array("anonymous".utf8))), .text, nullValues: [.string("anonymous")]) == .value(nil))
        #expect(convert(.bool(false), .boolean, nullValues: [.bool(false)]) == .value(nil))
    }

    @Test func booleans() {
        #expect(convert(.bool(true), .boolean) == .value("true"))
        #expect(convert(.int(0), .boolean) == .value("false"))
        #expect(reason(convert(.int(2), .boolean)) == "wrong type: expected boolean, got int")
        #expect(reason(convert(.string("yes"), .boolean)) == "wrong type: expected boolean, got str")
    }

    /// Issue 15 item 3: every text column is bounded by what its btree index takes, in UTF-8 bytes,
    /// even without `max_length` and even if `max_length` allows more.
    @Test func textIsBoundedByItsIndexByDefault() {
        let limit = ColumnConverter.indexedTextMaxBytes
        #expect(convert(.string(String(repeating: "p", count: limit)), .text) == .value(String(repeating: "p", count: limit)))
        #expect(reason(convert(.string(String(repeating: "p", count: 3000)), .text))
                == "over-long: 3000 bytes, at most \(limit) (the column's btree index takes no more)")
        // 1,000 characters of 3 bytes each: within max_length, over the index's bound.
        #expect(reason(convert(.string(String(repeating: "☃", count: 1000)), .text, maxLength: 5000))
                == "over-long: 3000 bytes, at most \(limit) (the column's btree index takes no more)")
        #expect(reason(convert(.string(String(repeating: "x", count: 3000)), .text, maxLength: 10)) == "over-long: 3000 characters, at most 10")
    }

    @Test func textHasMaxLengthAndNoNUL() {
        #expect(convert(.string("/home"), .text) == .value("/home"))
        #expect(convert(.py2String(PickleBytes([0x63, 0x61, 0x66, 0xE9])), .text) == .value("café"))
        #expect(convert(.string("ééé"), .text, maxLength: 3) == .value("ééé"))
        let long = convert(.string(String(repeating: "x", count: 200)), .text, maxLength: 10)
        #expect(reason(long) == "over-long: 200 characters, at most 10")
        if case .problem(_, let excerpt) = long { #expect(excerpt?.count == ColumnProblem.maxExcerpt) }
        #expect(reason(convert(.string("a\u{0}b"), .text)) == "contains NUL character (text cannot store it)")
        #expect(reason(convert(.int(5), .text)) == "wrong type: expected text, got int")
        #expect(reason(convert(.list([]), .text)) == "wrong type: expected text, got list")
    }

    @Test func numericAcceptsEveryExactNumberKind() {
        #expect(convert(.int(-7), .numeric) == .value("-7"))
        #expect(convert(.float(0.1), .numeric) == .value("0.1"))
        #expect(convert(.float(.nan), .numeric) == .value("NaN"))
        #expect(convert(.float(-.infinity), .numeric) == .value("-Infinity"))
        #expect(convert(.decimal(PickleDecimal("1.10")), .numeric) == .value("1.10"))
        #expect(convert(.decimal(PickleDecimal("1E+3")), .numeric) == .value("1E+3"))
        #expect(reason(convert(.decimal(PickleDecimal("sNaN")), .numeric)) == "signaling NaN is not a number")
        #expect(convert(.string("12.50"), .numeric) == .value("12.50"))
        #expect(reason(convert(.string("12,50"), .numeric)) == "wrong type: expected numeric, got str")
        #expect(reason(convert(.decimal(PickleDecimal("1E+999999")), .numeric)) == "out of range for numeric")
        #expect(reason(convert(.bool(true), .numeric)) == "wrong type: expected numeric, got bool")
    }

    @Test func doublePrecisionRejectsOverflowAndUnderflow() {
        #expect(convert(.float(1.5), .doublePrecision) == .value("1.5"))
        #expect(convert(.int(3), .doublePrecision) == .value("3"))
        #expect(convert(.float(.infinity), .doublePrecision) == .value("Infinity"))
        #expect(convert(.decimal(PickleDecimal("2.5")), .doublePrecision) == .value("2.5"))
        #expect(reason(convert(.decimal(PickleDecimal("1E+400")), .doublePrecision)) == "out of range for double precision")
        #expect(reason(convert(.string("1e-400"), .doublePrecision)) == "out of range for double precision")
        #expect(convert(.string("0.000"), .doublePrecision) == .value("0.0"))
        #expect(reason(convert(.string("fast"), .doublePrecision)) == "wrong type: expected double precision, got str")
    }

    @Test func timestampsAlwaysCarryAnOffset() {
        let naive = PickleDateTime(date: PickleDate(year: 2024, month: 2, day: 29),
                                   time: PickleTime(hour: 13, minute: 5, second: 9, microsecond: 120))
        #expect(convert(.datetime(naive), .timestamptz) == .value("2024-02-29T13:05:09.000120+00:00"))
        #expect(convert(.datetime(naive), .timestamp) == .value("2024-02-29T13:05:09.000120+00:00"))
        var doc = PickleDocument()
        let tz = doc.append(.timezone(PickleTimezone(offset: PickleTimedelta(days: 0, seconds: 7200, microseconds: 0))))
        var aware = naive
        aware.time.tzinfo = tz
        let ref = doc.append(.datetime(aware))
        #expect(converter.convert(ref, in: doc, for: ColumnMapping(name: "t", type: .timestamptz)) == .value("2024-02-29T13:05:09.000120+02:00"))
        let pytz = doc.append(.object(PickleObject(type: PickleGlobal(module: "pytz", name: "_p"))))
        aware.time.tzinfo = pytz
        let unknown = doc.append(.datetime(aware))
        #expect(reason(converter.convert(unknown, in: doc, for: ColumnMapping(name: "t", type: .timestamptz))) == "unsupported tzinfo (not a fixed offset)")
        #expect(convert(.date(PickleDate(year: 2024, month: 1, day: 2)), .timestamp) == .value("2024-01-02T00:00:00+00:00"))
        #expect(convert(.string("2024-01-02T03:04:05+01:00"), .timestamptz) == .value("2024-01-02T03:04:05+01:00"))
        #expect(convert(.string("2024-01-02 03:04"), .timestamp) == .value("2024-01-02 03:04+00:00"))
        #expect(reason(convert(.string("2023-02-29T00:00:00"), .timestamp)) == "not an ISO 8601 date-time")
        #expect(reason(convert(.int(1_700_000_000), .timestamptz)) == "wrong type: expected timestamptz, got int")
    }

    @Test func dates() {
        #expect(convert(.date(PickleDate(year: 1999, month: 12, day: 31)), .date) == .value("1999-12-31"))
        #expect(convert(.string("2000-02-29"), .date) == .value("2000-02-29"))
        #expect(reason(convert(.string("1900-02-29"), .date)) == "not an ISO 8601 date")
        #expect(reason(convert(.string("2000-01-01T00:00"), .date)) == "not an ISO 8601 date")
    }

    @Test func uuids() {
        let bytes: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]
        #expect(convert(.uuid(PickleUUID(bytes: bytes)), .uuid) == .value("12345678-9abc-def0-1234-56789abcdef0"))
        #expect(convert(.string("123456789ABCDEF0123456789abcdef0"), .uuid) == .value("12345678-9abc-def0-1234-56789abcdef0"))
        #expect(reason(convert(.string("not-a-uuid"), .uuid)) == "not a UUID")
    }

    @Test func jsonbIsTheCanonicalJSONOfTheSubtree() {
        var doc = PickleDocument()
        let k = doc.append(.string("b"))
        let v = doc.append(.int(1))
        let k2 = doc.append(.string("a"))
        let v2 = doc.append(.list([]))
        let dict = doc.append(.dict(PickleDict(keys: [k, k2], values: [v, v2])))
        let expected = try? doc.canonicalJSON(dict)
        #expect(expected != nil)
        #expect(converter.convert(dict, in: doc, for: ColumnMapping(name: "j", type: .jsonb)) == .value(expected!))
        let nul = doc.append(.string("a\u{0}"))
        #expect(reason(converter.convert(nul, in: doc, for: ColumnMapping(name: "j", type: .jsonb))) == "contains NUL character (jsonb cannot store it)")
    }

    @Test func sessionRowDecoderRecordsUndecodableDataAsOneProblemWithAllColumnsNull() {
        let decoder = SessionRowDecoder(columns: MappedColumn.all(.defaults), limits: .default)
        let bad = decoder.decode(SessionRow(key: "k", data: Array("not a pickle at all".utf8), hash: [1]))
        #expect(bad.values == [nil, nil, nil])
        #expect(bad.problems.count == 1)
        #expect(bad.problems.first?.column == "$data")
        #expect(bad.problems.first?.excerpt == "<19 bytes>")
        let null = decoder.decode(SessionRow(key: "k", data: nil, hash: []))
        #expect(null.problems.map(\.reason) == ["data is NULL"])
    }

    /// A hostile pickle decodes to an inert call: one `$data` problem, not a "missing key" per column.
    @Test func sessionRowDecoderReportsANonDictSessionOnce() {
        let decoder = SessionRowDecoder(columns: MappedColumn.all(.defaults), limits: .default)
        let hostile = decoder.decode(SessionRow(key: "k", data: Array("cos\nsystem\n(S'echo hi'\ntR.".utf8), hash: [1]))
        #expect(hostile.values == [nil, nil, nil])
        #expect(hostile.problems.map(\.column) == ["$data"])
        #expect(hostile.problems.first?.reason.contains("not a dict") == true)
        #expect(hostile.problems.first?.reason.contains("system") == false)
        let list = decoder.decode(SessionRow(key: "k", data: [0x80, 0x04, 0x5d, 0x94, 0x2e], hash: [1]))  // protocol 4 []
        #expect(list.problems.map(\.reason) == ["not a session: the pickle holds a sequence, not a dict"])
    }

    /// web.py keys are often sparse: a session without a non-required key has no problem at all.
    @Test func sessionRowDecoderRecordsMissingKeysOfRequiredColumnsOnly() throws {
        var config = SyncConfiguration.defaults
        config.columns[0].required = true  // uid
        config.columns.append(ColumnMapping(name: "cart_total", type: .numeric))
        config.columns.append(ColumnMapping(name: "email", path: ["user", "email"], required: true))
        config.jsonColumn = "session_json"
        let decoder = SessionRowDecoder(columns: MappedColumn.all(config), limits: .default)
        let data = try TestPickle.base64(["{'current_page': '/p'}", "{'uid': None, 'user': None, 'user_role': None}",
                                          "{'uid': 3, 'user': {'email': 'a@b.c'}, 'cart_total': decimal.Decimal('9.50')}"], protocol: 2)
        let sparse = decoder.decode(SessionRow(key: "k", data: Array(data[0].utf8), hash: []))
        #expect(Array(sparse.values.prefix(5)) == [nil, "/p", nil, nil, nil])
        #expect(sparse.values[5] == #"{"current_page":"/p"}"#)
        #expect(sparse.problems == [ColumnProblem(column: "uid", reason: "missing key", excerpt: nil),
                                    ColumnProblem(column: "email", reason: "missing key", excerpt: nil)])
        let nones = decoder.decode(SessionRow(key: "k", data: Array(data[1].utf8), hash: []))
        #expect(Array(nones.values.prefix(5)) == [nil, nil, nil, nil, nil])
        #expect(nones.problems == [ColumnProblem(column: "email", reason: "missing key", excerpt: nil)], "None is NULL; a None step is a missing key")
        let full = decoder.decode(SessionRow(key: "k", data: Array(data[2].utf8), hash: []))
        #expect(Array(full.values.prefix(5)) == ["3", nil, nil, "9.50", "a@b.c"])
        #expect(full.problems == [])

        // Undecodable and non-dict sessions: still exactly one `$data` problem, required columns or not.
        let bad = decoder.decode(SessionRow(key: "k", data: Array("not a pickle at all".utf8), hash: [1]))
        #expect(bad.problems.map(\.column) == ["$data"])
        #expect(bad.values == [String?](repeating: nil, count: 6))
        let list = decoder.decode(SessionRow(key: "k", data: [0x80, 0x04, 0x5d, 0x94, 0x2e], hash: [1]))
        #expect(list.problems.map(\.column) == ["$data"])
    }

    @Test func sessionRowDecoderFollowsNestedPathsInPythonPickles() throws {
        var config = SyncConfiguration.defaults
        config.columns.append(ColumnMapping(name: "email", path: ["user", "email"], type: .text))
        config.jsonColumn = "session_json"
        let decoder = SessionRowDecoder(columns: MappedColumn.all(config), limits: .default)
        for proto in [0, 2, 4] {
            let data = try TestPickle.base64("{'uid': 7, 'current_page': u'/p', 'user_role': 'admin', 'user': {'email': 'a@b.c'}}", protocol: proto)
            let d = decoder.decode(SessionRow(key: "k", data: Array(data.utf8), hash: []))
            #expect(d.problems == [], "protocol \(proto)")
            #expect(Array(d.values.prefix(4)) == ["7", "/p", "admin", "a@b.c"], "protocol \(proto)")
            #expect(d.values[4]?.contains("\"email\":\"a@b.c\"") == true, "protocol \(proto)")
        }
    }
}
