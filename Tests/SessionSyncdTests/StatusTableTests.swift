import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// The status table (sql/06-status.sql) as the daemon writes it: role, heartbeat, counters, lag;
/// least privilege; stale rows; a failing status write that must not stop syncing.
@Suite struct StatusTableTests {
    @Test func theDaemonWritesItsRowWithLeastPrivilegeAndMarksItStoppedOnExit() async throws {
        try await withDaemonDatabaseAndRole { db, role, daemon in
            var config = SyncConfiguration.defaults
            config.daemonRole = role
            try await db.install(config)
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(interval: 0.5), dsn: "dbname=\(db.name) user=\(role)")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            let pid = daemon!.pid
            #expect(try await db.statusRow(pid: pid) { $0["role"] == "active" && $0["connected"] == "t" && $0["fresh"] == "t" },
                    "\(daemon!.log)")

            try await db.put("s1", try TestPickle.base64("{'uid': 3, 'current_page': '/a', 'user_role': 'r'}"))
            try await db.put("s2", try TestPickle.base64("{'uid': 99999, 'current_page': '/b'}"))  // no such user: an error
            #expect(try await db.statusRow(pid: pid) {
                $0["sessions_synced"] == "2" && $0["errors"] == "1" && $0["last_notification_at"]! != nil
            }, "\(daemon!.log)")
            // Lag percentiles are those of the last interval (one that saw a session shows them): each
            // look writes a changed session, so on a slow machine a later interval sees one too.
            var look = 0
            #expect(try await db.eventually(timeout: .seconds(120)) {  // generous: under a full parallel run a look can miss many times
                look += 1
                try await db.put("s3", try TestPickle.base64("{'uid': 3, 'current_page': '/look\(look)'}"))
                try await Task.sleep(for: .milliseconds(700))
                return try await db.scalar("""
                    SELECT count(*) FROM session_sync_status WHERE pid = $1 AND lag_samples >= 1
                      AND lag_p50_ms >= 0 AND lag_p99_ms >= lag_p50_ms AND lag_max_ms >= lag_p99_ms
                    """, [.text(String(pid))]) == "1"
            })
            let row = try #require(try await db.statusRow(pid: pid))
            #expect(row["version"] == SessionSyncdVersion.current)
            #expect(row["host"] == InstanceIdentity.hostName())
            #expect(row["target"] == "\"session_fields\"")
            #expect(try await db.statusRow(pid: pid) { $0["backlog"] == "0" }, "\(daemon!.log)")
            #expect(row["warning"]! == nil)

            // The daemon's role can read the view and call report_status, and nothing else on the table.
            let daemonConn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(db.name) user=\(role)"), logger: DaemonTestDatabase.logger)
            defer { daemonConn.close() }
            #expect(try await daemonConn.query("SELECT count(*) FROM session_sync_status")[0, 0] == "1")
            for forbidden in ["SELECT * FROM session_syncd.instance_status", "DELETE FROM session_syncd.instance_status",
                              "UPDATE session_syncd.instance_status SET role = 'standby'", "TRUNCATE session_syncd.instance_status",
                              "SELECT session_syncd.setup_status('session_fields')"] {
                do {
                    _ = try await daemonConn.query(forbidden)
                    Issue.record("daemon role may run: \(forbidden)")
                } catch {
                    #expect((error as? PGError)?.sqlState == "42501", "\(forbidden): \(error)")
                }
            }
            // Monitoring (pg_monitor) reads the view.
            #expect(try await db.scalar("SELECT has_table_privilege('pg_monitor', 'session_sync_status', 'SELECT')") == "t")

            let status = try await daemon!.stop()
            daemon = nil
            #expect(status == 0)
            let stopped = try #require(try await db.statusRow(pid: pid))
            #expect(stopped["role"] == "stopped")
            #expect(stopped["fresh"] == "f")
            #expect(stopped["connected"] == "f")
        }
    }

    @Test func deadInstancesRowsGoStaleAndAreDeletedAfterTheRetention() async throws {
        try await withDaemonDatabase { db, daemon in
            defer { daemon?.signal(SIGCONT) }
            try await db.install()
            // Two rows of instances that died: 10 minutes ago (kept, stale) and 2 hours ago (past the 1 h retention).
            try await db.connection.execute("""
                INSERT INTO session_syncd.instance_status VALUES
                  ('00000000-0000-0000-0000-00000000000a', '"session_fields"', 'session_syncd', 'old-host', 1, '0.1', 'active', NULL,
                   now() - interval '3 hours', now() - interval '10 minutes', 5, true, 10, 0, 1, 0, NULL, NULL, NULL, NULL, 0, NULL),
                  ('00000000-0000-0000-0000-00000000000b', '"session_fields"', 'session_syncd', 'old-host', 2, '0.1', 'active', NULL,
                   now() - interval '3 hours', now() - interval '2 hours', 5, true, 10, 0, 1, 0, NULL, NULL, NULL, NULL, 0, NULL)
                """)
            daemon = try db.spawnDaemon(config: try db.statusConfigFile())
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" && $0["role"] == "active" }, "\(daemon!.log)")
            #expect(try await db.scalar("SELECT string_agg(pid::text || ':' || fresh::text, ',' ORDER BY pid) FROM session_sync_status WHERE host = 'old-host'") == "1:false")
            #expect(try await db.scalar("SELECT heartbeat_age_s >= 600 FROM session_sync_status WHERE pid = 1") == "t")

            // SIGSTOP: the heartbeat stops, the row goes stale (three intervals), then fresh again after SIGCONT.
            daemon!.signal(SIGSTOP)
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "f" && $0["role"] == "active" })
            daemon!.signal(SIGCONT)
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" })
        }
    }

    @Test func aFailingStatusWriteIsLoggedOnceAndSyncingGoesOn() async throws {
        try await withDaemonDatabaseAndRole { db, role, daemon in
            var config = SyncConfiguration.defaults
            config.daemonRole = role
            try await db.install(config)
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(interval: 0.1), dsn: "dbname=\(db.name) user=\(role)")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" })

            try await db.connection.execute("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA session_syncd FROM \(role); GRANT EXECUTE ON FUNCTION session_syncd.data_hash(text), session_syncd.data_hash(bytea) TO \(role)")
            #expect(try await daemon!.waitForLog("status row not written"), "\(daemon!.log)")
            let v = try TestPickle.base64("{'uid': 5, 'current_page': '/still', 'user_role': 'x'}")
            try await db.put("during", v)
            #expect(try await db.eventually { try await db.field("during", "current_page") == "/still" }, "\(daemon!.log)")
            try await Task.sleep(for: .milliseconds(500))  // several more failed intervals
            #expect(daemon!.log.components(separatedBy: "status row not written").count - 1 == 1, "\(daemon!.log)")

            try await db.install(config)  // grants again
            #expect(try await daemon!.waitForLog("status row written again"), "\(daemon!.log)")
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" && $0["sessions_synced"] == "1" })
        }
    }

    @Test func twoInstancesShowOneActiveAndOneStandbyAndTheStandbyTakesOver() async throws {
        try await withDaemonDatabase { db, second in
            var first: DaemonProcess?
            defer { if let first { first.signal(SIGKILL) } }
            try await db.install()
            let config = try db.statusConfigFile(extra: "[ha]\npoll_ms = 100\n")
            first = try db.spawnDaemon(config: config)
            #expect(try await first!.waitForLog("caught up"), "\(first!.log)")
            second = try db.spawnDaemon(config: config)
            #expect(try await second!.waitForLog("standing by"), "\(second!.log)")
            let (p1, p2) = (first!.pid, second!.pid)
            #expect(try await db.statusRow(pid: p2) { $0["role"] == "standby" && $0["fresh"] == "t" && $0["connected"] == "t" }, "\(second!.log)")
            #expect(try await db.statusRow(pid: p1) { $0["role"] == "active" && $0["fresh"] == "t" })
            #expect(try await db.scalar("SELECT count(*) FROM session_sync_status WHERE role = 'active'") == "1")

            first!.signal(SIGKILL)
            _ = try await first!.waitForExit()
            try? FileManager.default.removeItem(at: first!.logURL)
            first = nil
            #expect(try await db.statusRow(pid: p2) { $0["role"] == "active" && $0["fresh"] == "t" && $0["role_since"]! != nil },
                    "\(second!.log)")
            #expect(try await db.statusRow(pid: p1) { $0["fresh"] == "f" && $0["role"] == "active" })
            #expect(try await db.scalar("SELECT count(*) FROM session_sync_status WHERE role = 'active' AND fresh") == "1")
        }
    }

    /// A takeover is in the status table at once, not only at the next heartbeat: with a 60 s
    /// interval the standby's row says `active` well before its next periodic write.
    @Test func aTakeoverIsWrittenAtOnceNotAtTheNextInterval() async throws {
        try await withDaemonDatabase { db, second in
            var first: DaemonProcess?
            defer { if let first { first.signal(SIGKILL) } }
            try await db.install()
            let config = try db.statusConfigFile(interval: 60, extra: "[ha]\npoll_ms = 100\n")
            first = try db.spawnDaemon(config: config)
            #expect(try await first!.waitForLog("caught up"), "\(first!.log)")
            second = try db.spawnDaemon(config: config)
            #expect(try await second!.waitForLog("standing by"), "\(second!.log)")
            let p2 = second!.pid
            #expect(try await db.statusRow(pid: p2) { $0["role"] == "standby" }, "\(second!.log)")

            first!.signal(SIGKILL)
            _ = try await first!.waitForExit()
            try? FileManager.default.removeItem(at: first!.logURL)
            first = nil
            #expect(try await second!.waitForLog("role changed"), "\(second!.log)")
            #expect(try await db.statusRow(pid: p2, timeout: .seconds(15)) { $0["role"] == "active" && $0["role_since"]! != nil },
                    "\(second!.log)")
        }
    }
}
