import Testing
@testable import SessionSyncd

/// The parsed document, or the test fails.
private func toml(_ text: String) throws -> TOMLTable {
    try TOMLReader.parse(text)
}

/// The error parsing `text` throws; nil if it parses.
private func tomlError(_ text: String) -> ConfigError? {
    do {
        _ = try TOMLReader.parse(text)
        return nil
    } catch {
        return error
    }
}

/// Follows `keys` through nested tables.
private func lookup(_ table: TOMLTable, _ keys: String...) -> TOMLValue? {
    var value: TOMLValue = .table(table)
    for key in keys {
        guard case .table(let t) = value, let next = t[key] else { return nil }
        value = next
    }
    return value
}

@Suite struct ConfigTOMLReaderTests {
    @Test func keyValuesAndComments() throws {
        let t = try toml("""
            # a comment
            name = "syncd"   # trailing comment
            count = 3
            enabled = true
            off = false

            """)
        #expect(t["name"] == .string("syncd"))
        #expect(t["count"] == .integer(3))
        #expect(t["enabled"] == .boolean(true))
        #expect(t["off"] == .boolean(false))
        #expect(Set(t.keys) == ["name", "count", "enabled", "off"])
    }

    @Test func tablesAndDottedKeys() throws {
        let t = try toml("""
            [database]
            dsn = "x"
            [a.b.c]
            d = 1
            [a]
            e.f = 2
            "quoted.key" = 3
            site."google.com" = true
            x . y = 4
            """)
        #expect(lookup(t, "database", "dsn") == .string("x"))
        #expect(lookup(t, "a", "b", "c", "d") == .integer(1))
        #expect(lookup(t, "a", "e", "f") == .integer(2))
        #expect(lookup(t, "a", "quoted.key") == .integer(3))
        #expect(lookup(t, "a", "site", "google.com") == .boolean(true))
        #expect(lookup(t, "a", "x", "y") == .integer(4))
    }

    @Test func bareKeysMayBeDigitsAndDashes() throws {
        let t = try toml("1234 = 1\nbare-key_2 = 2\n'literal key' = 3\n\"\" = 4")
        #expect(t["1234"] == .integer(1))
        #expect(t["bare-key_2"] == .integer(2))
        #expect(t["literal key"] == .integer(3))
        #expect(t[""] == .integer(4))
    }

    @Test func arrayOfTables() throws {
        let t = try toml("""
            [[column]]
            name = "a"
            [[column]]
            name = "b"
            [column.sub]
            x = 1
            [[column.items]]
            y = 2
            """)
        guard case .array(let items)? = t["column"], items.count == 2,
              case .table(let first) = items[0], case .table(let second) = items[1] else {
            Issue.record("column is not an array of two tables")
            return
        }
        #expect(first["name"] == .string("a"))
        #expect(second["name"] == .string("b"))
        #expect(lookup(second, "sub", "x") == .integer(1))
        #expect(lookup(second, "items") == .array([.table(try toml("y = 2"))]))
    }

    @Test func inlineTables() throws {
        let t = try toml("""
            point = { x = 1, y = 2, nested.z = "deep" }
            empty = {}
            """)
        #expect(lookup(t, "point", "x") == .integer(1))
        #expect(lookup(t, "point", "nested", "z") == .string("deep"))
        #expect(lookup(t, "empty") == .table(TOMLTable()))
    }

    /// TOMLKit reads TOML 1.0: TOML 1.1's multi-line inline tables and `\e` are refused, with a position.
    @Test func toml11SyntaxIsRefusedClearly() {
        let multi = tomlError("multi = {\n  a = 1,\n  b = 2,\n}")
        #expect(multi?.code == .syntax)
        #expect(multi?.line == 1)
        #expect(multi?.detail.contains("inline table") == true)
        #expect(tomlError("t = { a = 1, }")?.code == .syntax)
        let escape = tomlError(#"s = "esc\e""#)
        #expect(escape?.code == .unsupported)
        #expect(escape?.line == 1)
    }

    @Test func basicStringEscapes() throws {
        let t = try toml(#"s = "tab\there \"q\" back\\slash \b\f\n\r é \u00E9 \U0001F600 esc\u001B""#)
        #expect(t["s"] == .string("tab\there \"q\" back\\slash \u{8}\u{C}\n\r é é 😀 esc\u{1B}"))
    }

    @Test func literalStringsKeepBackslashes() throws {
        let t = try toml(#"path = 'C:\Users\nodejs\templates'"#)
        #expect(t["path"] == .string(#"C:\Users\nodejs\templates"#))
    }

    @Test func multilineBasicStrings() throws {
        let t = try toml("""
            a = \"\"\"
            Roses are red
            Violets are blue\"\"\"
            b = \"\"\"\\
                   The quick brown \\
                   fox.\\
                   \"\"\"
            c = \"\"\"Here are two quotes: "". Simple enough.\"\"\"
            d = \"\"\"ends with a quote:\"\"\"\"
            e = \"\"\"ends with two:\"\"\"\"\"
            """)
        #expect(t["a"] == .string("Roses are red\nViolets are blue"))
        #expect(t["b"] == .string("The quick brown fox."))
        #expect(t["c"] == .string("Here are two quotes: \"\". Simple enough."))
        #expect(t["d"] == .string("ends with a quote:\""))
        #expect(t["e"] == .string("ends with two:\"\""))
    }

    @Test func multilineLiteralStrings() throws {
        let t = try toml("""
            re = '''I [dw]on't need \\d{2} apples'''
            lines = '''
            The first newline is
            trimmed in raw strings.
            '''
            q = ''''That,' she said, 'is still pointless.''''
            """)
        #expect(t["re"] == .string("I [dw]on't need \\d{2} apples"))
        #expect(t["lines"] == .string("The first newline is\ntrimmed in raw strings.\n"))
        #expect(t["q"] == .string("'That,' she said, 'is still pointless.'"))
    }

    @Test func crlfLineEnds() throws {
        let t = try toml("a = 1\r\n[t]\r\nb = \"\"\"x\r\ny\"\"\"\r\n")
        #expect(t["a"] == .integer(1))
        #expect(lookup(t, "t", "b") == .string("x\ny"))
    }

    @Test func integers() throws {
        let t = try toml("""
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000_000
            f = 0xDEADBEEF
            g = 0xdead_beef
            h = 0o755
            i = 0b1101_0110
            j = 9223372036854775807
            k = -9223372036854775808
            l = +0
            m = -0
            """)
        #expect(t["a"] == .integer(99))
        #expect(t["b"] == .integer(42))
        #expect(t["c"] == .integer(0))
        #expect(t["d"] == .integer(-17))
        #expect(t["e"] == .integer(1_000_000))
        #expect(t["f"] == .integer(0xDEADBEEF))
        #expect(t["g"] == .integer(0xDEADBEEF))
        #expect(t["h"] == .integer(0o755))
        #expect(t["i"] == .integer(0b1101_0110))
        #expect(t["j"] == .integer(Int64.max))
        #expect(t["k"] == .integer(Int64.min))
        #expect(t["l"] == .integer(0))
        #expect(t["m"] == .integer(0))
    }

    @Test(arguments: ["01", "1__2", "1_", "_1", "0x", "0xG", "+0x1", "0b2", "0o8", "1a", "- 1"])
    func malformedIntegers(_ text: String) {
        let e = tomlError("v = \(text)")
        #expect(e?.code == .syntax)
    }

    @Test func integerOverflowIsAnError() {
        #expect(tomlError("v = 9223372036854775808")?.code == .invalidValue)
        #expect(tomlError("v = 0xFFFFFFFFFFFFFFFFF")?.code == .invalidValue)
    }

    @Test func floats() throws {
        let t = try toml("""
            a = 1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991_228
            i = inf
            j = +inf
            k = -inf
            l = nan
            m = -nan
            n = 0.5
            """)
        #expect(t["a"] == .float(1.0))
        #expect(t["b"] == .float(3.1415))
        #expect(t["c"] == .float(-0.01))
        #expect(t["d"] == .float(5e22))
        #expect(t["e"] == .float(1e6))
        #expect(t["f"] == .float(-2e-2))
        #expect(t["g"] == .float(6.626e-34))
        #expect(t["h"] == .float(224_617.445_991_228))
        #expect(t["i"] == .float(.infinity))
        #expect(t["j"] == .float(.infinity))
        #expect(t["k"] == .float(-.infinity))
        guard case .float(let l)? = t["l"], case .float(let m)? = t["m"] else {
            Issue.record("nan did not parse as a float")
            return
        }
        #expect(l.isNaN && m.isNaN)
        #expect(t["n"] == .float(0.5))
    }

    @Test(arguments: [".7", "7.", "3.e+20", "1e", "1.5e_3", "01.5", "+-1.0", "1.2.3", "infinity", "Inf", "NaN"])
    func malformedFloats(_ text: String) {
        #expect(tomlError("v = \(text)")?.code == .syntax)
    }

    @Test func booleansAreLowercase() {
        #expect(tomlError("v = True")?.code == .syntax)
        #expect(tomlError("v = truex")?.code == .syntax)
    }

    @Test func arrays() throws {
        let t = try toml("""
            a = [ 1, 2, 3 ]
            b = [ "x", 'y', \"\"\"z\"\"\" ]
            c = [ [ 1, 2 ], ["a", "b"] ]
            d = [
              1,   # comment
              2,   # trailing comma is fine

            ]
            e = []
            f = [ 0.1, 1, "mixed", { k = true } ]
            """)
        #expect(t["a"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(t["b"] == .array([.string("x"), .string("y"), .string("z")]))
        #expect(t["c"] == .array([.array([.integer(1), .integer(2)]), .array([.string("a"), .string("b")])]))
        #expect(t["d"] == .array([.integer(1), .integer(2)]))
        #expect(t["e"] == .array([]))
        var inline = TOMLTable()
        inline.set("k", .boolean(true))
        #expect(t["f"] == .array([.float(0.1), .integer(1), .string("mixed"), .table(inline)]))
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a = 1\n".utf8)
        #expect(try TOMLReader.parse(bytes: bytes)["a"] == .integer(1))
    }

    @Test func emptyDocument() throws {
        #expect(try toml("").keys.isEmpty)
        #expect(try toml("\n# only a comment\n\n").keys.isEmpty)
    }

    // MARK: errors

    @Test func errorsCarryLineAndColumn() {
        let e = tomlError("a = 1\nb = @\n")
        #expect(e?.code == .syntax)
        #expect(e?.line == 2)
        #expect(e?.column == 5)
        #expect(e?.description.contains("line 2:5") == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        let e = tomlError("\"é😀\" = @")
        #expect(e?.line == 1)
        #expect(e?.column == 8)
    }

    @Test func duplicateKeys() {
        #expect(tomlError("a = 1\na = 2")?.code == .duplicateKey)
        #expect(tomlError("a = 1\na.b = 2")?.code == .duplicateKey)
        #expect(tomlError("[t]\nx = 1\n[t]\ny = 2")?.code == .duplicateKey)
        #expect(tomlError("a = 1\n[a]")?.code == .duplicateKey)
        #expect(tomlError("[a]\nb = 1\n[a.b]")?.code == .duplicateKey)
        #expect(tomlError("a = {x = 1}\n[a]")?.code == .duplicateKey)
        #expect(tomlError("a = {x = 1}\na.y = 2")?.code == .duplicateKey)
        #expect(tomlError("a = [1]\n[[a]]")?.code == .duplicateKey)
        #expect(tomlError("[a]\n[[a]]")?.code == .duplicateKey)
        #expect(tomlError("[[a]]\n[a]")?.code == .duplicateKey)
        #expect(tomlError("p = {x = 1, x = 2}")?.code == .duplicateKey)
        #expect(tomlError("[a.b]\nc = 1\n[a]\nb.c = 2")?.code == .duplicateKey)
    }

    @Test func duplicateKeyErrorNamesKeyAndPosition() {
        let e = tomlError("[sync]\nbatch_size = 1\nbatch_size = 2\n")
        #expect(e?.key == "batch_size")
        #expect(e?.line == 3)
        #expect(e?.column == 1)
    }

    @Test func implicitTablesMayBeDefinedLater() throws {
        let t = try toml("[a.b]\nx = 1\n[a]\ny = 2")
        #expect(lookup(t, "a", "b", "x") == .integer(1))
        #expect(lookup(t, "a", "y") == .integer(2))
    }

    @Test(arguments: [
        "a = \"unterminated",
        "a = 'unterminated",
        "a = \"\"\"unterminated",
        "a = '''unterminated",
        "a = \"line\nbreak\"",
        "a = \"bad \\q escape\"",
        "a = \"\\u12\"",
        "a = \"\\uD800\"",
        "a = \"\\U00110000\"",
        "a = \"ctl \u{1} char\"",
        "a = 1 b = 2",
        "a =",
        "= 1",
        "a",
        "[table",
        "[[array]",
        "[[array] ]",
        "[]",
        "a = [1 2]",
        "a = [1,",
        "a = {x = 1",
        "a = {x = 1 y = 2}",
        "a = \"x\" junk",
        "a.\"\"\"b\"\"\" = 1",
        "a = \"\"\"x\"\"\"\"\"\"",
        "a = 1\r",
    ])
    func syntaxErrors(_ text: String) {
        let e = tomlError(text)
        #expect(e?.code == .syntax, "\(text.debugDescription) gave \(String(describing: e))")
        #expect(e?.line != nil)
    }

    @Test(arguments: ["1979-05-27", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00", "07:32:00", "1979-05-27T00:32:00.999999-07:00"])
    func dateTimesAreRejectedClearly(_ text: String) {
        let e = tomlError("when = \(text)")
        #expect(e?.code == .unsupported)
        #expect(e?.description.contains("date") == true)
    }

    @Test func nestingIsBounded() {
        let deep = "a = " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(tomlError(deep)?.code == .syntax)
        let ok = "a = " + String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(tomlError(ok) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: ConfigError.self) { try TOMLReader.parse(bytes: Array("a = \"".utf8) + [0xFF, 0x22]) }
    }

    /// A dsn holds a password: no error may echo any part of a value.
    @Test(arguments: [
        "dsn = \"host=db password=s3cret-Value",
        "dsn = \"host=db password=s3cret-Value\\x\"",
        "dsn = host=db password=s3cret-Value",
        "dsn = \"host=db password=s3cret-Value\" s3cret-Value",
        "dsn = 's3cret-Value\n'",
        "dsn = \"\"\"s3cret-Value",
        "dsn = \"s3cret-Value\"\ndsn = \"s3cret-Value\"",
        "dsn = [\"s3cret-Value\" \"s3cret-Value\"]",
        "dsn = { password = \"s3cret-Value\" s3cret-Value }",
    ])
    func errorsNeverEchoValues(_ text: String) {
        let e = tomlError(text)
        #expect(e != nil)
        #expect(e?.description.contains("s3cret") == false, "\(String(describing: e))")
        #expect(e?.detail.contains("s3cret") == false)
    }
}
