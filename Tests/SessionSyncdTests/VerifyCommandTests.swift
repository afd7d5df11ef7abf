import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct VerifyCommandTests {
    func verify(_ db: DaemonTestDatabase) throws -> (status: Int32, counts: [String: Int]) { try db.verifyCommand() }

    @Test func exitStatusIsZeroOnlyWithoutMissingStaleOrOrphanedRows() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            let values = try TestPickle.base64((1...5).map { "{'uid': \($0), 'current_page': '/v\($0)', 'user_role': 'r'}" })
            for (i, v) in values.enumerated() { try await db.put("v\(i)", v) }
            try await db.put("broken", "%%%")

            var v = try verify(db)
            #expect(v.status == 1)
            #expect(v.counts["missing"] == 6)

            let resync = try DaemonProcess.run(["resync", "--dsn", db.conninfo])
            #expect(resync.status == 0, "\(resync.stderr)")
            #expect(resync.stdout.contains("resynced 6 sessions"))
            #expect(resync.stderr.contains("resync: 6/6 sessions"))  // not a terminal: plain progress lines
            v = try verify(db)
            #expect(v.status == 0)
            #expect(v.counts == ["sessions": 6, "in sync": 6, "missing": 0, "stale": 0, "orphaned": 0, "with recorded errors": 1, "null data": 0])

            _ = try await db.connection.query("UPDATE session_fields SET current_page = '/tampered' WHERE session_id = 'v1'")
            v = try verify(db)
            #expect(v.status == 1)
            #expect(v.counts["stale"] == 1)

            _ = try await db.connection.query("UPDATE session_fields SET current_page = '/v2', data_hash = '\\x00' WHERE session_id = 'v1'")
            v = try verify(db)
            #expect(v.counts["stale"] == 1)
            _ = try DaemonProcess.run(["resync", "--dsn", db.conninfo])
            #expect(try verify(db).status == 0)

            _ = try await db.connection.query("DELETE FROM session_fields WHERE session_id = 'v3'")
            v = try verify(db)
            #expect(v.status == 1)
            #expect(v.counts["missing"] == 1)
            _ = try DaemonProcess.run(["resync", "--dsn", db.conninfo])

            // An orphan needs the foreign key bypassed (replication role), as a restore might.
            try await db.connection.execute("SET session_replication_role = replica; INSERT INTO session_fields (session_id) VALUES ('ghost'); RESET session_replication_role")
            v = try verify(db)
            #expect(v.status == 1)
            #expect(v.counts["orphaned"] == 1)
            #expect(v.counts["in sync"] == 6)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// Issue 15 item 8: a session whose data is NULL is written as a row of NULLs with a `$data`
    /// error, so verify counts it apart ("null data") instead of as missing forever; data set to
    /// NULL later makes the row NULLs, not stale.
    @Test(arguments: FeedSettings.Kind.allCases)
    func nullDataIsCountedApartAndInSync(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: feed)
            _ = try await db.connection.query("INSERT INTO sessions (session_id, data) VALUES ('nul', NULL)")
            try await db.put("ok", try TestPickle.base64("{'uid': 1, 'current_page': '/a', 'user_role': 'r'}"))
            daemon = try await db.startDaemon(feed: feed)  // its catch-up writes both
            var v = try verify(db)
            #expect(v.status == 0, "\(v.counts)")
            #expect(v.counts["missing"] == 0)
            #expect(v.counts["null data"] == 1)
            #expect(v.counts["in sync"] == 2)
            #expect(try await db.errors("nul") == ["$data": "data is NULL"])
            #expect(try await db.fields("nul") != nil)

            _ = try await db.connection.query("UPDATE sessions SET data = NULL WHERE session_id = 'ok'")
            #expect(try await db.eventually { try await db.field("ok", "uid") == nil })
            #expect(try await db.settled(feed: feed))
            v = try verify(db)
            #expect(v.status == 0, "\(v.counts)")
            #expect(v.counts["null data"] == 2)
            #expect(v.counts["stale"] == 0)
            // The catch-up of a restart finds nothing to do for them.
            _ = try await daemon?.stop()
            daemon = try await db.startDaemon(feed: feed)
            #expect(daemon?.log.contains("\"sync.sessions\":\"0\"") == true || daemon?.log.contains("sync.sessions=0") == true, "\(daemon?.log ?? "")")
        }
    }
}
