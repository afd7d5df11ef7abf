import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct GuardedUpsertTests {
    @Test func staleDecodeNeverOverwritesAndUnchangedRowsAreNotRewritten() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            let values = try TestPickle.base64(["{'uid': 1, 'current_page': '/old', 'user_role': 'a'}",
                                                "{'uid': 2, 'current_page': '/new', 'user_role': 'a'}"])
            try await db.put("g", values[0])
            let pipeline = try await db.pipeline()
            let staleRows = try await pipeline.reader.read(keys: ["g"], on: db.connection)
            let stale = staleRows.map(pipeline.decoder.decode)

            try await db.put("g", values[1])
            var r = try await pipeline.sync(keys: ["g"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.written == 1)
            #expect(try await db.field("g", "current_page") == "/new")

            // The old decode arrives late: the guard refuses it.
            let late = try await pipeline.upsert.execute(stale, mappingHash: pipeline.mappingHash, on: db.connection)
            #expect(late.current == 0)
            #expect(late.written == 0)
            #expect(try await db.field("g", "current_page") == "/new")

            // Same data again: nothing rewritten (xmin unchanged).
            let xmin = try await db.scalar("SELECT xmin::text FROM session_fields WHERE session_id = 'g'")
            r = try await pipeline.sync(keys: ["g"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.current == 1)
            #expect(r.written == 0)
            #expect(try await db.scalar("SELECT xmin::text FROM session_fields WHERE session_id = 'g'") == xmin)

            // Prepared statements lost (a pooler's DISCARD ALL): prepared again, nothing fails.
            try await db.connection.execute("DEALLOCATE ALL")
            try await db.put("g", values[0])
            r = try await pipeline.sync(keys: ["g"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.written == 1)
            #expect(try await db.field("g", "current_page") == "/old")
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    @Test func aRowTheDatabaseRejectsIsIsolatedAndRecordedWhileTheBatchIsWritten() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            // A constraint the daemon cannot know about makes one row fail inside the batch statement.
            try await db.connection.execute("ALTER TABLE session_fields ADD CONSTRAINT no_forbidden CHECK (current_page <> '/forbidden')")
            let values = try TestPickle.base64(["{'uid': 1, 'current_page': '/ok', 'user_role': 'a'}",
                                                "{'uid': 1, 'current_page': '/forbidden', 'user_role': 'a'}"])
            try await db.put("ok1", values[0])
            try await db.put("bad", values[1])
            try await db.put("ok2", values[0])
            let r = try await db.pipeline().sync(keys: ["ok1", "bad", "ok2"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.written == 3)
            #expect(try await db.field("ok1", "current_page") == "/ok")
            #expect(try await db.field("ok2", "current_page") == "/ok")
            #expect(try await db.fields("bad") != nil)
            #expect(try await db.field("bad", "current_page") == nil)
            #expect(try await db.field("bad", "uid") == nil)
            #expect(try await db.errors("bad") == ["$row": "rejected by the database (SQLSTATE 23514)"])
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    @Test func everyColumnTypeRoundTripsThroughPostgreSQL() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            var config = SyncConfiguration.defaults
            config.jsonColumn = "session_json"
            for (name, type) in [("i", ColumnType.integer), ("b", .bigint), ("s", .smallint), ("flag", .boolean), ("n", .numeric),
                                 ("d", .doublePrecision), ("ts", .timestamp), ("tstz", .timestamptz), ("day", .date), ("u", .uuid), ("j", .jsonb)] {
                config.columns.append(ColumnMapping(name: name, type: type))
            }
            try await db.install(config)
            try await db.put("t", try TestPickle.base64("""
                {'uid': 1, 'current_page': '/t', 'user_role': 'x', 'i': -5, 'b': 2**62, 's': 300, 'flag': True,
                 'n': decimal.Decimal('12.50'), 'd': 0.1, 'ts': datetime.datetime(2024, 2, 29, 23, 59, 59, 5,
                 tzinfo=datetime.timezone(datetime.timedelta(hours=-2))), 'tstz': datetime.datetime(2024, 1, 1, 12, 0),
                 'day': datetime.date(2000, 1, 2), 'u': uuid.UUID('12345678-1234-5678-1234-567812345678'), 'j': {'k': [1, 'x', None]}}
                """, protocol: 4))
            let r = try await db.pipeline(config).sync(keys: ["t"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(r.problems == 0)
            let row = try await db.connection.query("""
                SELECT i, b, s, flag, n, d, ts, tstz AT TIME ZONE 'UTC', day, u, j, session_json ->> 'current_page' FROM session_fields
                """)
            #expect((0..<12).map { row[0, $0] } == ["-5", "4611686018427387904", "300", "t", "12.50", "0.1",
                                                     "2024-03-01 01:59:59.000005", "2024-01-01 12:00:00", "2000-01-02",
                                                     "12345678-1234-5678-1234-567812345678", #"{"k": [1, "x", null]}"#, "/t"])
            #expect(try await db.verifyReport(config).ok)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
