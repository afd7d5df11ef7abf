import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 5: a small session whose memo references repeat (1.2 KB of pickle, 60 MB of
/// canonical JSON) gets a NULL json column and an errors-table row; its other columns and every
/// other session are written as usual.
@Suite struct JSONBudgetTests {
    static let amplifying = "(lambda l: {'uid': 1, 'current_page': '/amp', 'user_role': 'a', 'blob': [l] * 6})"
        + "([[[['x' * 1000] * 10] * 10] * 10] * 10)"
    static let proportionalReason =
        "canonical JSON longer than [limits] json_bytes_per_input_byte times the pickle's size (at least min_json_bytes)"

    static func configuration() -> SyncConfiguration {
        var config = SyncConfiguration.defaults
        config.jsonColumn = "session_json"
        return config
    }

    @Test func anAmplifyingSessionGetsANullJSONColumnAndAProblem() throws {
        let data = try TestPickle.base64([Self.amplifying, "{'uid': 2, 'current_page': '/ok', 'user_role': 'b'}"])
        let decoder = SessionRowDecoder(columns: MappedColumn.all(Self.configuration()), limits: .default)
        let amp = decoder.decode(SessionRow(key: "amp", data: Array(data[0].utf8), hash: []))
        #expect(amp.values == ["1", "/amp", "a", nil])
        #expect(amp.problems == [ColumnProblem(column: "session_json", reason: Self.proportionalReason, excerpt: nil)])
        let ok = decoder.decode(SessionRow(key: "ok", data: Array(data[1].utf8), hash: []))
        #expect(ok.values == ["2", "/ok", "b", #"{"uid":2,"current_page":"/ok","user_role":"b"}"#])
        #expect(ok.problems == [])
    }

    @Test func jsonMaxBytesCapsTheJSONColumn() throws {
        let data = try TestPickle.base64("{'uid': 2, 'current_page': '/ok', 'user_role': 'b'}", protocol: 4)
        let json = #"{"uid":2,"current_page":"/ok","user_role":"b"}"#
        let columns = MappedColumn.all(Self.configuration())
        let fits = SessionRowDecoder(columns: columns, limits: .default, jsonMaxBytes: json.utf8.count)
            .decode(SessionRow(key: "k", data: Array(data.utf8), hash: []))
        #expect(fits.values.last == json)
        #expect(fits.problems == [])
        let over = SessionRowDecoder(columns: columns, limits: .default, jsonMaxBytes: json.utf8.count - 1)
            .decode(SessionRow(key: "k", data: Array(data.utf8), hash: []))
        #expect(over.values == ["2", "/ok", "b", nil])
        #expect(over.problems == [ColumnProblem(column: "session_json",
                                                reason: "canonical JSON longer than [target] json_max_bytes (\(json.utf8.count - 1))",
                                                excerpt: nil)])
    }

    @Test func theBatchIsWrittenAndTheAmplifyingSessionRecorded() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            let config = Self.configuration()
            try await db.install(config)
            let values = try TestPickle.base64([Self.amplifying, "{'uid': 1, 'current_page': '/ok', 'user_role': 'b'}"])
            try await db.put("ok1", values[1])
            try await db.put("amp", values[0])
            try await db.put("ok2", values[1])
            let r = try await db.pipeline(config).sync(keys: ["ok1", "amp", "ok2"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.written == 3)
            #expect(r.problems == 1)
            for key in ["ok1", "ok2"] {
                #expect(try await db.scalar("SELECT session_json ->> 'current_page' FROM session_fields WHERE session_id = $1", [.text(key)]) == "/ok")
                #expect(try await db.errors(key) == [:])
            }
            #expect(try await db.field("amp", "uid") == "1")
            #expect(try await db.field("amp", "current_page") == "/amp")
            #expect(try await db.scalar("SELECT session_json IS NULL FROM session_fields WHERE session_id = 'amp'") == "t")
            #expect(try await db.errors("amp") == ["session_json": Self.proportionalReason])
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
