import Testing
@testable import SessionSyncd

/// The error `SyncConfiguration.parse` throws for `text`; nil if it is accepted.
private func configError(_ text: String) -> ConfigError? {
    do {
        _ = try SyncConfiguration.parse(toml: text)
        return nil
    } catch {
        return error
    }
}

/// `line:column` of the error for `text`, e.g. "3:1".
private func where_(_ text: String) -> String? {
    configError(text).map { "\($0.line.map(String.init) ?? "-"):\($0.column.map(String.init) ?? "-")" }
}

private func position(_ text: String, _ components: TOMLKeyPath.Component...) -> TOMLPosition? {
    TOMLKeyLocator(bytes: Array(text.utf8)).position(of: TOMLKeyPath(components: components))
}

/// TOMLKit gives no positions of keys; TOMLKeyLocator finds them for error messages.
@Suite struct ConfigKeyLocatorTests {
    @Test func findsKeysInEveryForm() {
        let doc = """
            top = 1
            [sync]
            batch_size = 2   # comment with [fake] = header
            "quoted.key" = 3
            'lit' = 4
            a.b . c = 5
            s = \"\"\"
            [listen]
            heartbeat_s = "inside a string"
            \"\"\"
            inline = { x = 1, y = { z = [1, { w = 2 }] } }
            [[column]]
            name = "a"
            [[column]]
            name = "b"
            "esc\\u0041" = 6
            """
        #expect(position(doc, .key("top")) == TOMLPosition(line: 1, column: 1))
        #expect(position(doc, .key("sync")) == TOMLPosition(line: 2, column: 1))
        #expect(position(doc, .key("sync"), .key("batch_size")) == TOMLPosition(line: 3, column: 1))
        #expect(position(doc, .key("sync"), .key("quoted.key")) == TOMLPosition(line: 4, column: 1))
        #expect(position(doc, .key("sync"), .key("lit")) == TOMLPosition(line: 5, column: 1))
        #expect(position(doc, .key("sync"), .key("a"), .key("b"), .key("c")) == TOMLPosition(line: 6, column: 7))
        #expect(position(doc, .key("listen")) == nil, "a header inside a multi-line string is text")
        #expect(position(doc, .key("sync"), .key("inline"), .key("y"), .key("z"), .index(1), .key("w")) == TOMLPosition(line: 11, column: 35))
        #expect(position(doc, .key("column"), .index(0)) == TOMLPosition(line: 12, column: 1))
        #expect(position(doc, .key("column"), .index(1), .key("name")) == TOMLPosition(line: 15, column: 1))
        #expect(position(doc, .key("column"), .index(1), .key("escA")) == TOMLPosition(line: 16, column: 1))
        #expect(position(doc, .key("absent")) == nil)
    }

    @Test func errorsPointAtTheKeyWhateverTheSyntax() {
        #expect(where_("[sync]\nbatch_size = \"500\"") == "2:1")
        #expect(where_("sync.batch_size = \"500\"") == "1:6")
        #expect(where_("sync = { batch_size = \"500\" }") == "1:10")
        #expect(where_("# [sync]\ns = '''\n[sync]\n'''\n[sync]\nbatch_size = true") == "6:1")
        let e = configError("column = [{ name = \"a\" }, { name = \"a\" }]")
        #expect(e?.code == .duplicateColumn)
        #expect(e?.key == "column[2].name")
        #expect(e?.column == 29)
        #expect(where_("[[column]]\npath = \"x\"") == "1:1", "a missing key points at the table's header")
    }

    /// TOMLKit's tables are sorted; the unknown key reported is still the first one in the file.
    @Test func theFirstUnknownKeyInTheFileIsReported() {
        let e = configError("[sync]\nzeta = 1\nbatch_size = 1\nalpha = 2\n")
        #expect(e?.code == .unknownKey)
        #expect(e?.key == "sync.zeta")
        #expect(e?.line == 2)
        #expect(configError("zz = 1\n[aa]\n")?.key == "zz")
    }

    /// Inputs on which toml++ 3.4 (TOMLKit 0.6.0) aborts the process: refused before it sees them.
    @Test(arguments: ["[\n", "[", "[ \n", "[=]", "[#]", "[[[1]]]", "[[=", "[é]", "a = 1\n[\n",
                      "x = [}", "x = [1, }", "x = [\n  # c\n}]", "x = [\u{2028}]", "x = [\u{85}]", "x = {a = [}]}",
                      "x = 1979-05-27true1979-05-27T07:32:00Z", "x = [1979-05-27T:]"])
    func inputsThatWouldAbortTOMLKitAreRefused(_ text: String) {
        let e = configError(text)
        #expect(e?.code == .syntax, "\(text.debugDescription) gave \(String(describing: e))")
        #expect(e?.line != nil)
    }

    /// TOMLKit hands text over as C strings: a NUL would cut a value short without a word.
    @Test func nulIsRefused() {
        let escaped = configError("[database]\ndsn = \"host=db\\u0000password=s3cret\"")
        #expect(escaped?.code == .unsupported)
        #expect(escaped?.line == 2)
        #expect(escaped?.description.contains("s3cret") == false)
        #expect(configError("dsn = \"a\\U00000000\"")?.code == .unsupported)
        let raw = configError("[database]\ndsn = \"a\u{0}b\"")
        #expect(raw?.code == .syntax)
        #expect(raw?.line == 2)
        #expect(raw?.column == 9)
    }

    /// toml++'s messages quote the text they stop at; ours never do.
    @Test func tomlKitMessagesAreNeverShown() {
        for text in ["dsn = s3cret", "dsn = 9s3cret", "dsn = \"s3cret\" s3cret", "dsn = 99999999999999999999s3cret",
                     "s3cret = 1\ns3cret = 2", "dsn = [\"s3cret\" \"s3cret\"]", "dsn = \"\\s3cret\""] {
            let e = configError(text)
            #expect(e != nil)
            #expect(e?.detail.contains("s3cret") == false, "\(String(describing: e))")
            #expect(e?.detail.contains("Error while parsing") == false)
        }
    }
}
