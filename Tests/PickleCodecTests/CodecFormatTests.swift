import Testing
@testable import PickleCodec

/// Number, text and envelope formats: big integers, Decimal, float repr, isoformat, base64.
@Suite struct CodecFormatTests {
    @Test func bigIntDecimalRoundTrips() {
        let cases = ["0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "9223372036854775807", "-9223372036854775808",
                     "9223372036854775808", "-9223372036854775809", "18446744073709551616", "-18446744073709551616",
                     "100000000000000000000000000000000000000000000000007", "1000000000", "-999999999999999999"]
        for c in cases {
            let b = PickleBigInt(decimal: c)
            #expect(b?.decimalString == c, "\(c)")
        }
        #expect(PickleBigInt(decimal: "+5")?.decimalString == "5")
        #expect(PickleBigInt(decimal: "-0")?.twosComplement == [])
        for bad in ["", "-", "+", "1_0", " 1", "1 ", "0x10", "١"] { #expect(PickleBigInt(decimal: bad) == nil, "\(bad)") }
    }

    @Test func bigIntTwosComplementIsMinimal() {
        #expect(PickleBigInt(0).twosComplement == [])
        #expect(PickleBigInt(-1).twosComplement == [0xFF])
        #expect(PickleBigInt(255).twosComplement == [0xFF, 0x00])
        #expect(PickleBigInt(-128).twosComplement == [0x80])
        #expect(PickleBigInt(128).twosComplement == [0x80, 0x00])
        #expect(PickleBigInt(normalizing: [0x01, 0x00, 0x00, 0x00]).twosComplement == [0x01])
        #expect(PickleBigInt(normalizing: [0xFF, 0xFF, 0xFF]).twosComplement == [0xFF])
        #expect(PickleBigInt(decimal: "-9223372036854775808")?.int64 == .min)
        #expect(PickleBigInt(decimal: "9223372036854775808")?.int64 == nil)
        #expect(PickleBigInt(decimal: "-32768")?.int64 == -32768)
    }

    @Test func decimalStringsAsPythonPrintsThem() {
        // Expected values from python3: str(Decimal(text)).
        let cases: [(String, String)] = [
            ("1.10", "1.10"), ("-0", "-0"), ("0.0000001", "1E-7"), ("1E+3", "1E+3"), ("1e3", "1E+3"), ("nan", "NaN"),
            ("-sNaN0012", "-sNaN12"), ("inf", "Infinity"), ("-Infinity", "-Infinity"), (" 1_000.5 ", "1000.5"),
            ("123E-2", "1.23"), ("0E-7", "0E-7"), (".5", "0.5"), ("5.", "5"), ("0.000001", "0.000001"),
            ("-00012.3400", "-12.3400"), ("1E-6", "0.000001"), ("12345E-10", "0.0000012345"), ("1.23E+5", "1.23E+5"), ("0.00", "0.00"),
        ]
        for (text, expected) in cases { #expect(PickleDecimal(parsing: text)?.string == expected, "\(text)") }
        for bad in ["abc", "1e", "1__0", "_1", "1.2.3", "", "-", "NaNx", "1e99999999999999999999999"] {
            #expect(PickleDecimal(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func floatReprSpecialCases() {
        let cases: [(Double, String)] = [
            (1e16, "1e+16"), (1e15, "1000000000000000.0"), (5e-05, "5e-05"), (0.0001, "0.0001"), (1e22, "1e+22"),
            (100.0, "100.0"), (-0.0, "-0.0"), (0.0, "0.0"), (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (Double(bitPattern: 1), "5e-324"), (0.1, "0.1"), (1.0 / 3.0, "0.3333333333333333"),
            (123456789012345678.0, "1.2345678901234568e+17"), (-2.5e-7, "-2.5e-07"),
        ]
        for (d, expected) in cases { #expect(PickleFloatFormat.repr(d) == expected, "\(expected)") }
    }

    @Test func isoformatLikePython() {
        let date = PickleDate(year: 1, month: 1, day: 1)
        #expect(date.isoformat == "0001-01-01")
        let dt = PickleDateTime(date: PickleDate(year: 2020, month: 1, day: 1), time: PickleTime(hour: 0, minute: 0, second: 0, microsecond: 0))
        // Expected values from python3 isoformat().
        #expect(dt.isoformat(utcOffset: PickleTimedelta(days: -1, seconds: 86_399, microseconds: 999_999)) == "2020-01-01T00:00:00-00:00:00.000001")
        #expect(dt.isoformat(utcOffset: nil) == "2020-01-01T00:00:00")
        let t = PickleTime(hour: 1, minute: 2, second: 3, microsecond: 40)
        #expect(t.isoformat(utcOffset: PickleTimedelta(days: -1, seconds: 66_600, microseconds: 0)) == "01:02:03.000040-05:30")
        #expect(t.isoformat(utcOffset: PickleTimedelta(days: 0, seconds: 3630, microseconds: 0)) == "01:02:03.000040+01:00:30")
        #expect(t.isoformat(utcOffset: PickleTimedelta(days: -1, seconds: 0, microseconds: 1)) == "01:02:03.000040-23:59:59.999999")
        // Out-of-range offsets (Python refuses them) still format without trapping.
        #expect(!t.isoformat(utcOffset: PickleTimedelta(days: .min, seconds: 0, microseconds: 0)).isEmpty)
        #expect(!t.isoformat(utcOffset: PickleTimedelta(days: .max, seconds: 86_399, microseconds: 999_999)).isEmpty)
    }

    @Test func uuidHyphenated() {
        let u = PickleUUID(bytes: [0xA8, 0x09, 0x8C, 0x1A, 0xF8, 0x6E, 0x11, 0xDA, 0xBD, 0x1A, 0x00, 0x11, 0x24, 0x44, 0xBE, 0x1E])
        #expect(u.hyphenated == "a8098c1a-f86e-11da-bd1a-00112444be1e")
    }

    @Test func base64Envelope() throws {
        let decoder = PickleDecoder()
        // "\x80\x02K\x05." in 76-column style, CRLF and surrounding spaces, and unpadded.
        for text in ["gAJLBS4=\n", "  gAJL\r\nBS4=  \n", "gAJLBS4", "\tgAJLBS4=\n\n"] {
            let doc = try decoder.decode(base64Text: asciiBytes(text))
            #expect(doc[doc.root] == .int(5))
        }
        func code(_ text: String) -> (PickleError.Code, Int?)? {
            do { _ = try decoder.decode(base64Text: asciiBytes(text)); return nil } catch { return (error.code, error.offset) }
        }
        #expect(code("gAJL!BS4=")! == (.invalidBase64, 4))
        #expect(code("gA==JLBS")! == (.invalidBase64, 4))
        #expect(code("gAJLB")! == (.invalidBase64, 5))
        #expect(code("gAJLBS4==")! == (.invalidBase64, 8))
        #expect(code("=AJL")! == (.invalidBase64, 0))
        #expect(code("")! == (.truncated, 0))
        #expect(code("gAJLBS4=", )  == nil)
        // Auto-detection: raw protocol-0 text is not base64 ('(' and '\n'), base64 text is.
        let raw = try decoder.decode(data: asciiBytes("(dp0\nS'a'\nI1\ns."))
        #expect(raw[raw.value(forKey: "a", in: raw.root)!] == .int(1))
        let auto = try decoder.decode(data: asciiBytes("gAJLBS4=\n"))
        #expect(auto[auto.root] == .int(5))
    }

    @Test func base64TextLimitIsCheckedBeforeDecoding() {
        let text = [UInt8](repeating: 0x41, count: 4000)
        do {
            _ = try PickleDecoder(limits: PickleLimits(maxInputBytes: 1000)).decode(base64Text: text)
            Issue.record("expected limitExceeded")
        } catch {
            #expect(error.code == .limitExceeded)
        }
    }

    @Test func jsonStringEscapes() throws {
        var doc = PickleDocument()
        doc.root = doc.append(.string("q\" b\\ n\n r\r t\t b\u{08} f\u{0C} nul\u{00} us\u{1F} del\u{7F} é €"))
        #expect(try doc.canonicalJSON() == "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\u{7F} é €\"")
    }

    @Test func jsonOfHandBuiltValues() throws {
        var doc = PickleDocument()
        let tz = doc.append(.object(PickleObject(type: PickleGlobal(module: "pytz", name: "_p"))))
        let dt = doc.append(.datetime(PickleDateTime(date: PickleDate(year: 2020, month: 5, day: 6),
                                                     time: PickleTime(hour: 7, minute: 8, second: 9, microsecond: 0, tzinfo: tz))))
        let g = doc.append(.global(PickleGlobal(module: "os", name: "system")))
        let d = doc.append(.decimal(PickleDecimal("sNaN")))
        let td = doc.append(.timedelta(PickleTimedelta(days: -1, seconds: 3, microseconds: 4)))
        doc.root = doc.append(.tuple([dt, g, d, td]))
        #expect(try doc.canonicalJSON() == "[{\"$datetime\":\"2020-05-06T07:08:09\",\"$tzinfo\":{\"$class\":\"pytz._p\"}},"
            + "{\"$global\":\"os.system\"},\"sNaN\",{\"$timedelta\":[-1,3,4]}]")
        #expect(try doc.canonicalJSON(g) == "{\"$global\":\"os.system\"}")
    }

    @Test func jsonUTF8IsTheStringsBytesAndErrorsAreTheSame() throws {
        var doc = PickleDocument()
        let key = doc.append(.string("k\"é\u{01}"))
        let py2 = doc.append(.py2String(PickleBytes([0x61, 0xE9])))
        let list = doc.append(.list([key, py2, doc.append(.int(-12)), doc.append(.bool(true)), doc.append(.none)]))
        let nonText = doc.append(.dict(PickleDict(keys: [doc.append(.int(1))], values: [list])))
        doc.root = doc.append(.dict(PickleDict(keys: [key, py2], values: [list, nonText])))
        let text = try doc.canonicalJSON()
        #expect(try doc.canonicalJSONUTF8() == Array(text.utf8))
        #expect(text == #"{"k\"é\u0001":["k\"é\u0001","aé",-12,true,null],"aé":[[1,["k\"é\u0001","aé",-12,true,null]]]}"#)
        let limits = PickleLimits(jsonBytesPerInputByte: 0, minJSONBytes: 1)
        #expect(throws: PickleJSONOverflow.proportional) { try doc.canonicalJSONUTF8(limits: limits) }
        #expect(throws: PickleJSONOverflow.caller) { try doc.canonicalJSONUTF8(maxBytes: 10) }
        #expect(PickleJSONText.quoted("a\"b\\c\n\u{1}é") == #""a\"b\\c\n\u0001é""#)
        #expect(PickleJSONText.errorObject(PickleJSONOverflow.caller, key: "$x") == #"{"$x":""# + PickleJSONOverflow.caller.description + #""}"#)
    }
}
