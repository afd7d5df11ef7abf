import Testing
@testable import PGListen

@Suite struct PGValueTests {
    static let nasty: [String?] = [
        "", "NULL", "null", nil, " leading", "trailing ", "  ", "a,b", "{braces}", "}{", "\"quoted\"",
        "back\\slash", "\\\"", "\\", "\"", "tab\there", "new\nline", "ümlaut", "emoji 😀👍🏽", "日本語",
        "'single'", "$1", "a\u{301}\"", "{\"a\",\"b\"}", "NULL ", "\r\n", nil,
    ]

    @Test func arrayLiteralQuotesEveryElement() {
        #expect(PGValue.arrayLiteral([]) == "{}")
        #expect(PGValue.arrayLiteral([nil, "NULL", ""]) == "{NULL,\"NULL\",\"\"}")
        #expect(PGValue.arrayLiteral(["a\"b\\c"]) == "{\"a\\\"b\\\\c\"}")
    }

    @Test func aNULInsideAnArrayElementIsRefusedBeforeSending() throws {
        #expect(throws: PGError.self) { try PGValue.textArray(["ok", "a\u{0}b"]).encoded() }
        #expect(try PGValue.textArray(["ü\"\\", nil]).encoded().bytes == Array("{\"ü\\\"\\\\\",NULL}".utf8) + [0])
        #expect(try PGValue.byteaArray([[0x0a, 0xff], nil, []]).encoded().bytes == Array(#"{"\\x0aff",NULL,"\\x"}"#.utf8) + [0])
    }

    @Test func textArrayRoundTripsThroughUnnest() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let r = try await conn.query(
            "SELECT u, u IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n",
            [.textArray(Self.nasty)])
        #expect(r.rowCount == Self.nasty.count)
        for (i, expected) in Self.nasty.enumerated() {
            #expect(r[i, 0] == expected, "element \(i)")
            #expect(r[i, 1] == (expected == nil ? "t" : "f"))
        }
    }

    @Test func batchOfPairsViaUnnest() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let ids = ["a", "b,c", "{d}"]
        let values: [String?] = ["1", nil, "x\"y"]
        let r = try await conn.query(
            "SELECT i, v FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(i, v, n) ORDER BY n",
            [.textArray(ids), .textArray(values)])
        #expect((0..<3).map { r[$0, 0] } == ids)
        #expect((0..<3).map { r[$0, 1] } == values)
    }

    @Test func byteaArrayRoundTrips() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let blobs: [[UInt8]?] = [[], nil, [0, 255, 0x5c, 0x22, 0x2c, 0x7b], Array(0...255)]
        let r = try await conn.query(
            "SELECT b FROM unnest($1::bytea[]) WITH ORDINALITY AS t(b, n) ORDER BY n", [.byteaArray(blobs)])
        #expect(r.rowCount == blobs.count)
        for (i, expected) in blobs.enumerated() {
            #expect(r.bytes(row: i, column: 0) == expected, "element \(i)")
        }
    }

    @Test func identifiersAreQuotedSafely() throws {
        #expect(try PGConnection.quoteIdentifier("plain") == "\"plain\"")
        #expect(try PGConnection.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
        #expect(try PGConnection.quoteIdentifier("\"\u{301}") == "\"\"\"\u{301}\"")
        #expect(throws: PGError.self) { try PGConnection.quoteIdentifier("") }
        #expect(throws: PGError.self) { try PGConnection.quoteIdentifier(String(repeating: "x", count: 64)) }
        #expect(throws: PGError.self) { try PGConnection.quoteIdentifier("a\u{0}b") }
    }
}
