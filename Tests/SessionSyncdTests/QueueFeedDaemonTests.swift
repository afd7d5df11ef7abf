import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// What only the queue feed has: entries that must survive a killed daemon, must not outlive
/// their session, must not pile up; and switching between the feeds under load.
@Suite struct QueueFeedDaemonTests {
    @Test func aDaemonKilledMidBatchLeavesItsEntriesAndTheNextStartSyncsThem() async throws {
        try await withDaemonDatabase { db, daemon in
            let blocker = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { blocker.close() }
            try await db.install(feed: .queue)
            daemon = try await db.startDaemon(feed: .queue, extra: "[sync]\nbatch_size = 20\n")
            let bulk = "INSERT INTO sessions (session_id, data) SELECT 'k' || g, $1 FROM generate_series(1, 1000) g "
                + "ON CONFLICT (session_id) DO UPDATE SET data = EXCLUDED.data"
            _ = try await db.connection.query(bulk, [.text(try TestPickle.base64("{'uid': 7, 'current_page': '/first', 'user_role': 'k'}"))])
            #expect(try await db.settled(feed: .queue))

            // Every writer of session_fields takes this lock first: holding it stops the daemon inside its
            // batch transaction (entries claimed, nothing committed), where it is killed.
            try await blocker.execute("BEGIN; LOCK TABLE session_syncd.writers_public_session_fields IN EXCLUSIVE MODE")
            _ = try await db.connection.query(bulk, [.text(try TestPickle.base64("{'uid': 8, 'current_page': '/second', 'user_role': 'k'}"))])
            #expect(try await db.eventually {
                try await db.scalar("""
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                      AND application_name = 'session-syncd' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                    """) == "1"
            })
            daemon!.signal(SIGKILL)
            _ = try await daemon!.waitForExit()
            try? FileManager.default.removeItem(at: daemon!.logURL)
            daemon = nil
            try await blocker.execute("ROLLBACK")

            #expect(try await db.queueEntries() == 1000)
            // No entry went without its session being written: every session is in sync or still queued.
            #expect(try await db.lostSessions() == 0)

            daemon = try await db.startDaemon(feed: .queue)
            #expect(try await db.settled(feed: .queue))
            #expect(try await db.scalar("SELECT count(*) FROM session_fields WHERE current_page = '/second'") == "1000")
        }
    }

    @Test func entriesOfDeletedSessionsGoAndTheDaemonGoesOn() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: .queue)
            let v = try TestPickle.base64("{'uid': 1, 'current_page': '/d', 'user_role': 'a'}")
            for k in ["gone1", "gone2", "kept"] { try await db.put(k, v) }
            _ = try await db.connection.query("DELETE FROM sessions WHERE session_id IN ('gone1', 'gone2')")
            #expect(try await db.queueEntries() == 3)
            daemon = try await db.startDaemon(feed: .queue)
            #expect(try await db.settled(feed: .queue))
            #expect(try await db.fields("kept") != nil)
            #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "1")
            // Changed and deleted while the daemon runs.
            try await db.put("gone3", v)
            _ = try await db.connection.query("DELETE FROM sessions WHERE session_id = 'gone3'")
            try await db.put("kept", try TestPickle.base64("{'uid': 2, 'current_page': '/after', 'user_role': 'a'}"))
            #expect(try await db.eventually { try await db.field("kept", "current_page") == "/after" })
            #expect(try await db.settled(feed: .queue))
            #expect(daemon!.exitStatus == nil)
        }
    }

    @Test func theQueueIsEmptyAfterASustainedLoadAndDoesNotGrowRunOverRun() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: .queue)
            let keys = (0..<200).map { "b\($0)" }
            for k in keys { try await db.put(k, try TestPickle.base64("{'uid': 1}")) }
            daemon = try await db.startDaemon(feed: .queue)
            var sizes: [Int] = []
            var writes: [Int] = []
            for _ in 0..<3 {
                let stop = ShutdownFlag()
                async let load = db.writeLoad(keys: keys, until: stop)
                try await Task.sleep(for: .milliseconds(1500))
                stop.request()
                writes.append(try await load)
                #expect(try await db.settled(feed: .queue))
                #expect(try await db.queueEntries() == 0)
                // What autovacuum does in production (the table's threshold is 1,000 dead entries).
                try await db.connection.execute("VACUUM session_syncd.queue_public_sessions")
                sizes.append(Int(try await db.scalar("SELECT pg_relation_size('session_syncd.queue_public_sessions')") ?? "") ?? -1)
            }
            #expect(writes.allSatisfy { $0 > 10 }, "\(writes)")
            #expect(sizes[2] <= max(sizes[0], sizes[1]), "queue heap bytes per run: \(sizes)")
        }
    }

    /// docs/daemon.md's switch procedure, under a write load, both ways: nothing is lost.
    @Test func switchingFeedsUnderLoadLosesNothing() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: .notify)
            let keys = (0..<40).map { "sw\($0)" }
            for k in keys { try await db.put(k, try TestPickle.base64("{'uid': 1}")) }
            daemon = try await db.startDaemon(feed: .notify)
            let stop = ShutdownFlag()
            async let load = db.writeLoad(keys: keys, until: stop)
            for feed in [FeedSettings.Kind.queue, .notify, .queue] {
                try await Task.sleep(for: .milliseconds(600))
                // 1. install with the new feed (one transaction: the triggers change at one commit);
                // 2. restart the daemon with it (its catch-up covers what the old one had not written).
                let install = try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", db.configFile(feed: feed).path])
                #expect(install.status == 0, "\(install.stderr)")
                #expect(try await daemon!.stop() == 0)
                daemon = try await db.startDaemon(feed: feed)
            }
            try await Task.sleep(for: .milliseconds(600))
            stop.request()
            #expect(try await load > 10)
            #expect(try await db.settled(feed: .queue))
            let verify = try DaemonProcess.run(["verify", "--dsn", db.conninfo])
            #expect(verify.status == 0, "\(verify.stdout)")
        }
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func terminatedBackendsUnderWriteLoadLoseNothing(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: feed)
            let keys = (0..<50).map { "t\($0)" }
            for k in keys { try await db.put(k, try TestPickle.base64("{'uid': 1}")) }
            daemon = try await db.startDaemon(feed: feed, extra: "[listen]\nreconnect_initial_ms = 20\nreconnect_max_s = 0.5\n")
            let stop = ShutdownFlag()
            async let load = db.writeLoad(keys: keys, until: stop)
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(400))
                _ = try await db.scalar("""
                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name = 'session-syncd' AND pid <> pg_backend_pid()
                    """)  // the daemon's two connections (and the load's writers, which reconnect)
            }
            try await Task.sleep(for: .milliseconds(400))
            stop.request()
            #expect(try await load > 10)
            #expect(try await db.settled(feed: feed))
            #expect(daemon!.exitStatus == nil)
        }
    }
}
