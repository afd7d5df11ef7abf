import Foundation
import PGListen
import Testing
@testable import SessionSyncd
#if canImport(Glibc)
import Glibc
#endif

/// LISTEN that cannot work, against real servers: a streaming hot standby of a private primary
/// (``PostgresServer``), and pgbouncer in transaction pooling mode (session mode as the control).
@Suite struct ListenCheckServerTests {
    static let requirePG = ProcessInfo.processInfo.environment["SESSION_SYNCD_REQUIRE_PG"] == "1"

    /// The log lines that contain `text`.
    static func lines(_ log: String, containing text: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(text) }
    }

    /// The daemon is given `host=<standby>,<primary>` without target_session_attrs, as an operator might after a
    /// failover swapped the roles: libpq connects its query connection to the first host, the standby.
    @Test func aHotStandbyIsRefusedWithOneErrorLineAWarningRowAndRetriedUntilPromoted() async throws {
        let primary = try await PostgresServer.primary()
        defer { primary.stop() }
        let setup = try await primary.connect("postgres")
        try await setup.execute("CREATE DATABASE app")
        setup.close()
        let app = try await primary.connect("app")
        try await app.execute(DaemonTestDatabase.defaultSchema)
        try await Installer(configuration: .defaults).install(on: app, logger: DaemonTestDatabase.logger)
        _ = try await app.query("INSERT INTO sessions (session_id, data) VALUES ('before', $1)",
                                [.text(try TestPickle.base64("{'uid': 3, 'current_page': '/before'}"))])
        app.close()
        let standby = try await PostgresServer.standby(of: primary)
        defer { standby.stop() }
        #expect(try await standby.inRecovery())

        let receiver = try NotifyReceiver(abstract: true)
        defer { receiver.close() }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("standby-\(UUID().uuidString).toml")
        try "[status]\ninterval_s = 0.5\n[listen]\nreconnect_max_s = 1\n".write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let dsn = "host=\(standby.dir),\(primary.dir) port=\(standby.port),\(primary.port) dbname=app user=postgres"
        let daemon = try DaemonProcess(["run", "--dsn", dsn, "--config", config.path],
                                       environment: ["NOTIFY_SOCKET": receiver.environmentValue])
        var stopped = false
        defer { if !stopped { daemon.signal(SIGKILL) } }

        // One error line, without the conninfo.
        let text = "connected to a hot standby (pg_is_in_recovery() is true)"
        #expect(try await daemon.waitForLog(text), "\(daemon.log)")
        let errorLine = Self.lines(daemon.log, containing: text)
        #expect(errorLine.count == 1 && errorLine[0].contains("level=error"), "\(errorLine)")
        #expect(errorLine.allSatisfy { !$0.contains(standby.dir) && !$0.contains("host=") && !$0.contains("port=") })
        // The status row (written on the primary: the writer skips standbys) carries the warning, and stays
        // fresh while the daemon keeps retrying with its backoff.
        let onPrimary = try await primary.connect("app")
        defer { onPrimary.close() }
        func row(on conn: PGConnection) async throws -> [String: String?]? {
            let r = try await conn.query("SELECT fresh, role, connected, warning, heartbeat_age_s FROM session_sync_status WHERE pid = $1",
                                         [.text(String(daemon.pid))])
            guard r.rowCount == 1 else { return nil }
            return Dictionary(uniqueKeysWithValues: r.columnNames.enumerated().map { ($1, r[0, $0]) })
        }
        #expect(try await eventually {
            guard let r = try await row(on: onPrimary) else { return false }
            return r["fresh"] == "t" && r["connected"] == "f" && (r["warning"] ?? nil) == ListenCheck.standbyWarning
        }, "\(daemon.log)")
        let firstBeat = try await onPrimary.query("SELECT last_heartbeat_at FROM session_sync_status WHERE pid = $1",
                                                  [.text(String(daemon.pid))])[0, 0]
        #expect(try await eventually {
            try await onPrimary.query("SELECT last_heartbeat_at > $2::timestamptz + interval '2 s' AND fresh FROM session_sync_status WHERE pid = $1",
                                      [.text(String(daemon.pid)), .text(firstBeat ?? "")])[0, 0] == "t"
        }, "\(daemon.log)")
        #expect(daemon.exitStatus == nil)
        #expect(Self.lines(daemon.log, containing: text).count == 1, "\(daemon.log)")
        #expect(!daemon.log.contains("caught up"))
        // sd_notify: the error in STATUS=, and no READY=1 (systemd's start timeout then fails the unit).
        #expect(receiver.fields.contains("STATUS=error: " + ListenCheck.standbyWarning), "\(receiver.fields)")
        #expect(receiver.count("READY=1") == 0)
        // `session-syncd status` on the primary: an instance with a warning is not a healthy active one.
        let status = try DaemonProcess.run(["status", "--dsn", "\(primary.conninfo) dbname=app user=postgres"])
        #expect(status.status == 1, "\(status)")
        #expect(status.stdout.contains(ListenCheck.standbyWarning), "\(status.stdout)")

        // Failover: the primary goes away, the standby is promoted; the daemon proceeds on it.
        onPrimary.close()
        primary.stop()
        #expect(primary.isGone)
        try await standby.promote()
        #expect(try await daemon.waitForLog("connected to a primary now"), "\(daemon.log)")
        #expect(try await daemon.waitForLog("caught up"), "\(daemon.log)")
        #expect(try await receiver.waitFor("READY=1"))
        let promoted = try await standby.connect("app")
        defer { promoted.close() }
        #expect(try await eventually {
            try await promoted.query("SELECT current_page FROM session_fields WHERE session_id = 'before'")[0, 0] == "/before"
        }, "\(daemon.log)")
        _ = try await promoted.query("INSERT INTO sessions (session_id, data) VALUES ('after', $1)",
                                     [.text(try TestPickle.base64("{'uid': 4, 'current_page': '/after'}"))])
        #expect(try await eventually {
            try await promoted.query("SELECT current_page FROM session_fields WHERE session_id = 'after'")[0, 0] == "/after"
        }, "\(daemon.log)")
        #expect(try await eventually {
            guard let r = try await row(on: promoted) else { return false }
            return r["fresh"] == "t" && r["role"] == "active" && r["connected"] == "t" && r["warning"]! == nil
        }, "\(daemon.log)")
        #expect(Self.lines(daemon.log, containing: text).count == 1, "\(daemon.log)")

        let exit = try await daemon.stop()
        stopped = true
        #expect(exit == 0)
        standby.stop()
        #expect(standby.isGone)
    }

    @Test(.enabled(if: PgbouncerServer.isInstalled || requirePG))
    func pgbouncerInTransactionModeIsNamedInOneErrorLineAndTheStatusRow() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let bouncer = try await PgbouncerServer.start(poolMode: "transaction", poolSize: 1)
            defer { bouncer.stop() }
            let receiver = try NotifyReceiver(abstract: false)
            defer { receiver.close() }
            daemon = try DaemonProcess(["run", "--dsn", "\(bouncer.conninfo) dbname=\(db.name)",
                                        "--config", try db.statusConfigFile(interval: 0.5, extra: "[ha]\nenabled = false\n").path],
                                       environment: ["NOTIFY_SOCKET": receiver.environmentValue])
            let text = "LISTEN did not receive its own test notification within 10 s"
            #expect(try await daemon!.waitForLog(text, timeout: .seconds(90)), "\(daemon!.log)\n\(bouncer.log)")
            let errorLine = Self.lines(daemon!.log, containing: text)
            #expect(errorLine.count == 1 && errorLine[0].contains("level=error") && errorLine[0].contains("pool_mode = transaction"),
                    "\(errorLine)")
            #expect(errorLine.allSatisfy { !$0.contains(bouncer.dir) && !$0.contains("host=") }, "\(errorLine)")
            #expect(try await db.statusRow(pid: daemon!.pid) { ($0["warning"] ?? nil) == ListenCheck.poolerWarning(.seconds(10)) },
                    "\(daemon!.log)")
            #expect(receiver.fields.contains("STATUS=error: " + ListenCheck.poolerWarning(.seconds(10))), "\(receiver.fields)")
            // Not a healthy active instance for `status` (exit 1) although it is active and fresh.
            let status = try DaemonProcess.run(["status", "--dsn", db.conninfo])
            #expect(status.status == 1, "\(status)")
            // Tested again every 10 s while it lasts, without a second line, and the warning stays.
            try await Task.sleep(for: .seconds(12))
            #expect(Self.lines(daemon!.log, containing: text).count == 1, "\(daemon!.log)")
            #expect(daemon!.exitStatus == nil)
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" && ($0["warning"] ?? nil) != nil })
            #expect(try await daemon!.stop() == 0, "\(daemon!.log)")
            daemon = nil
            bouncer.stop()
            #expect(bouncer.isGone)
        }
    }

    @Test(.enabled(if: PgbouncerServer.isInstalled || requirePG))
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
            #expect(try DaemonProcess.run(["status", "--dsn", db.conninfo]).status == 0)
            #expect(try await daemon!.stop() == 0, "\(daemon!.log)")
            daemon = nil
            bouncer.stop()
            #expect(bouncer.isGone)
        }
    }

    /// Waits (up to `timeout`) until `condition` holds.
    func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
