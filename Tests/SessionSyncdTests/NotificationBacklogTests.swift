import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// `[sync] max_pending_notifications`: the notifications waiting for the run loop are bounded; what
/// is dropped beyond the bound is reported once per episode and synced by a catch-up.
@Suite struct NotificationBacklogTests {
    @Test func admitsUpToTheLimitThenReportsTheFirstDropOfEachEpisode() {
        let b = NotificationBacklog(limit: 3)
        #expect((0..<3).map { _ in b.admit() } == [.admitted, .admitted, .admitted])
        #expect(b.admit() == .firstDrop)
        #expect(b.admit() == .dropped)
        #expect(b.count == 3)
        b.taken()
        #expect(b.admit() == .admitted)  // room again, but the episode stays open until the loop ends it
        #expect(b.admit() == .dropped)
        #expect(b.endEpisode() == 3)
        #expect(b.admit() == .firstDrop)  // a new episode
        #expect(b.endEpisode() == 1)
        for _ in 0..<10 { b.taken() }
        #expect(b.count == 0)  // never below zero
        #expect(NotificationBacklog(limit: 0).limit == 1)
    }

    @Test func aBurstBeyondTheLimitIsDroppedLoggedOnceAndSyncedByACatchUp() async throws {
        try await withDaemonDatabase { db, daemon in
            let blocker = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { blocker.close() }
            try await db.install(feed: .notify)
            daemon = try await db.startDaemon(feed: .notify, extra: "[sync]\nbatch_size = 20\nmax_pending_notifications = 50\n")
            let bulk = "INSERT INTO sessions (session_id, data) SELECT 'b' || g, $1 FROM generate_series(1, 3000) g "
                + "ON CONFLICT (session_id) DO UPDATE SET data = EXCLUDED.data"
            // Every writer of session_fields takes this lock first: holding it keeps the daemon inside its
            // first batch while the burst's 3,000 notifications arrive.
            try await blocker.execute("BEGIN; LOCK TABLE session_syncd.writers_public_session_fields IN EXCLUSIVE MODE")
            _ = try await db.connection.query(bulk, [.text(try TestPickle.base64("{'uid': 7, 'current_page': '/burst', 'user_role': 'k'}"))])
            #expect(try await db.eventually {
                try await db.scalar("""
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                      AND application_name = 'session-syncd' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                    """) == "1"
            })
            try await Task.sleep(for: .milliseconds(500))  // the notifications reach the daemon meanwhile
            try await blocker.execute("ROLLBACK")

            #expect(try await daemon!.waitForLog("notifications dropped"), "\(daemon!.log)")
            #expect(try await db.settled(feed: .notify), "\(daemon!.log)")
            #expect(try await db.scalar("SELECT count(*) FROM session_fields WHERE current_page = '/burst'") == "3000")
            // One warning per episode, not one per dropped notification; its count is in the line.
            let warnings = daemon!.log.split(separator: "\n").filter { $0.contains("notifications dropped") }
            #expect(!warnings.isEmpty && warnings.count < 100, "\(warnings.count) warnings")
            #expect(warnings.allSatisfy { $0.contains("sync.dropped=") && !$0.contains("'b") })
        }
    }
}
