import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// LISTEN that cannot work, against real servers: a streaming hot standby of the test cluster,
/// and pgbouncer in transaction pooling mode (session mode as the control).
@Suite struct ListenCheckServerTests {
    @Test func aHotStandbyIsRefusedWithOneErrorLineAndRetriedUntilItIsPromoted() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            try await db.put("before", try TestPickle.base64("{'uid': 3, 'current_page': '/before'}"))
            let standby = try await StandbyServer.start(primary: db.connection)
            defer { standby.stop() }
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(interval: 0.5),
                                        dsn: "\(standby.conninfo) dbname=\(db.name)")
            #expect(try await daemon!.waitForLog("connected to a hot standby (pg_is_in_recovery() is true)"), "\(daemon!.log)")
            // It keeps retrying with its backoff, alive, with no second error line.
            try await Task.sleep(for: .seconds(2))
            #expect(daemon!.process.isRunning)
            #expect(daemon!.log.components(separatedBy: "connected to a hot standby").count - 1 == 1, "\(daemon!.log)")
            #expect(!daemon!.log.contains("caught up"))

            try standby.promote()
            #expect(try await daemon!.waitForLog("connected to a primary now"), "\(daemon!.log)")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            let promoted = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "\(standby.conninfo) dbname=\(db.name)"),
                                                          logger: DaemonTestDatabase.logger)
            defer { promoted.close() }
            #expect(try await db.eventually {
                try await promoted.query("SELECT current_page FROM session_fields WHERE session_id = 'before'")[0, 0] == "/before"
            }, "\(daemon!.log)")
            #expect(try await db.eventually {
                try await promoted.query("SELECT count(*) FROM session_sync_status WHERE pid = $1 AND fresh AND role = 'active' AND warning IS NULL",
                                         [.text(String(daemon!.pid))])[0, 0] == "1"
            }, "\(daemon!.log)")
        }
    }

    @Test(.enabled(if: PgbouncerServer.isInstalled || ProcessInfo.processInfo.environment["SESSION_SYNCD_REQUIRE_PG"] == "1"))
    func pgbouncerInTransactionModeIsNamedInOneErrorLineAndTheStatusRow() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let bouncer = try await PgbouncerServer.start(poolMode: "transaction", poolSize: 1)
            defer { bouncer.stop() }
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(interval: 0.5, extra: "[ha]\nenabled = false\n"),
                                        dsn: "\(bouncer.conninfo) dbname=\(db.name)")
            #expect(try await daemon!.waitForLog("LISTEN did not receive its own test notification within 10 s", timeout: .seconds(90)),
                    "\(daemon!.log)")
            #expect(daemon!.log.contains("pool_mode = transaction"))
            #expect(try await db.statusRow(pid: daemon!.pid) { ($0["warning"] ?? nil)?.contains("pool_mode = transaction") == true },
                    "\(daemon!.log)")
            // Probed again every 10 s while it lasts, without a second line.
            try await Task.sleep(for: .seconds(12))
            #expect(daemon!.log.components(separatedBy: "did not receive its own test notification").count - 1 == 1, "\(daemon!.log)")
            #expect(daemon!.process.isRunning)
        }
    }

    @Test(.enabled(if: PgbouncerServer.isInstalled || ProcessInfo.processInfo.environment["SESSION_SYNCD_REQUIRE_PG"] == "1"))
    func pgbouncerInSessionModeWorksWithoutAWarning() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let bouncer = try await PgbouncerServer.start(poolMode: "session", poolSize: 20)
            defer { bouncer.stop() }
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(interval: 0.5, extra: "[ha]\nenabled = false\n"),
                                        dsn: "\(bouncer.conninfo) dbname=\(db.name)")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            try await db.put("s1", try TestPickle.base64("{'uid': 3, 'current_page': '/through'}"))
            #expect(try await db.eventually { try await db.field("s1", "current_page") == "/through" }, "\(daemon!.log)")
            try await Task.sleep(for: .seconds(12))  // past the test notification's 10 s
            #expect(!daemon!.log.contains("did not receive its own test notification"), "\(daemon!.log)")
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" && $0["warning"]! == nil }, "\(daemon!.log)")
        }
    }
}
