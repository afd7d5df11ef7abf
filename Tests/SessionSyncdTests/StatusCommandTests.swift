import Foundation
import Testing
@testable import SessionSyncd

/// `session-syncd status` against real status rows: its exit code (a Nagios-style check) and output.
@Suite struct StatusCommandTests {
    func status(_ db: DaemonTestDatabase, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try DaemonProcess.run(["status", "--dsn", db.conninfo] + extra)
    }

    /// The JSON form, parsed.
    func statusJSON(_ db: DaemonTestDatabase, _ extra: [String] = []) throws -> (status: Int32, object: [String: Any]) {
        let r = try status(db, ["--json"] + extra)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (r.status, try #require(object, "not a JSON object: \(r.stdout) \(r.stderr)"))
    }

    @Test func theDaemonsOwnLeastPrivilegeRoleCanRunIt() async throws {
        // Found walking docs/deployment.md through as an operator: as a role that is not a superuser,
        // `status` failed with "permission denied for schema pg_toast" while looking for the view.
        try await withDaemonDatabaseAndRole { db, role, daemon in
            var config = SyncConfiguration.defaults
            config.daemonRole = role
            try await db.install(config)
            daemon = try db.spawnDaemon(config: try db.statusConfigFile(), dsn: "dbname=\(db.name) user=\(role)")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            #expect(try await db.statusRow(pid: daemon!.pid) { $0["fresh"] == "t" && $0["role"] == "active" })
            let r = try DaemonProcess.run(["status", "--dsn", "dbname=\(db.name) user=\(role)"])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.hasPrefix("OK: active instance"), "\(r.stdout)")
        }
    }

    @Test func noInstanceExitsOneAndActiveFreshExitsZeroAndAStaleHeartbeatExitsOne() async throws {
        try await withDaemonDatabase { db, daemon in
            defer { daemon?.signal(SIGCONT) }
            try await db.install()
            // No instance has ever written a row.
            let none = try status(db)
            #expect(none.status == 1, "\(none)")
            #expect(none.stdout.hasPrefix("CRITICAL: no session-syncd instance"), "\(none)")
            let noneJSON = try statusJSON(db)
            #expect(noneJSON.status == 1)
            #expect(noneJSON.object["ok"] as? Bool == false)
            #expect((noneJSON.object["instances"] as? [Any])?.isEmpty == true)

            // Active and fresh.
            daemon = try db.spawnDaemon(config: try db.statusConfigFile())
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            let pid = daemon!.pid
            #expect(try await db.statusRow(pid: pid) { $0["fresh"] == "t" && $0["role"] == "active" })
            let ok = try status(db)
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.stdout.hasPrefix("OK: active instance \(InstanceIdentity.hostName()) pid \(pid)"), "\(ok.stdout)")
            let lines = ok.stdout.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("host"))
            #expect(lines[2].contains(" active "))
            let okJSON = try statusJSON(db)
            #expect(okJSON.status == 0)
            #expect(okJSON.object["ok"] as? Bool == true)
            let instances = try #require(okJSON.object["instances"] as? [[String: Any]])
            #expect(instances.count == 1)
            #expect(instances.first?["role"] as? String == "active")
            #expect(instances.first?["pid"] as? Int == Int(pid))
            #expect(instances.first?["fresh"] as? Bool == true)
            #expect(instances.first?["connected"] as? Bool == true)

            // Stale: the process is stopped, its heartbeat ages past three intervals.
            daemon!.signal(SIGSTOP)
            #expect(try await db.statusRow(pid: pid) { $0["fresh"] == "f" })
            let stale = try status(db)
            #expect(stale.status == 1, "\(stale)")
            #expect(stale.stdout.hasPrefix("CRITICAL: the active instance's heartbeat is stale"), "\(stale.stdout)")
            // A threshold of one hour calls the same heartbeat fresh; a tiny one does not.
            #expect(try status(db, ["--max-age-s", "3600"]).status == 0)
            #expect(try statusJSON(db, ["--max-age-s", "3600"]).object["max_age_s"] as? Double == 3600)
            daemon!.signal(SIGCONT)
            #expect(try await db.statusRow(pid: pid) { $0["fresh"] == "t" })
            #expect(try await db.eventually { try status(db).status == 0 })

            // A cleanly stopped instance is not active.
            #expect(try await daemon!.stop() == 0)
            daemon = nil
            let stopped = try status(db)
            #expect(stopped.status == 1, "\(stopped)")
            #expect(stopped.stdout.hasPrefix("CRITICAL: no active instance"), "\(stopped.stdout)")
            #expect(stopped.stdout.contains(" stopped "))
        }
    }

    /// An active, fresh instance whose row has a `warning` (a hot standby, a pooler in transaction mode:
    /// ListenCheck) syncs nothing: `status` says CRITICAL with the warning and exits 1; the same row
    /// without the warning is OK. Rows written through the real `report_status()`.
    @Test func anActiveFreshInstanceWithAWarningIsNotHealthy() async throws {
        try await withDaemonDatabase { db, _ in
            try await db.install()
            let identity = InstanceIdentity(id: UUID(), host: "db-test-host", pid: 4242, version: "test", startedAt: Date())
            var report = StatusReport(identity: identity, target: SQLIdentifier.quoteQualified("session_fields"),
                                      channel: SyncConfiguration.defaults.channel, role: .active, roleSince: nil,
                                      intervalSeconds: 60, retentionSeconds: 3600, connected: true,
                                      totals: DaemonStats.Totals(), interval: LagStats().snapshot(now: .now),
                                      lastNotificationAt: nil, backlog: 0,
                                      warning: ListenCheck.poolerWarning(.seconds(10)))
            _ = try await db.connection.query(StatusReport.sql, report.parameters)
            #expect(try await db.statusRow(pid: 4242) { $0["fresh"] == "t" && $0["role"] == "active" })
            let broken = try status(db)
            #expect(broken.status == 1, "\(broken)")
            #expect(broken.stdout.hasPrefix("CRITICAL: instance db-test-host pid 4242 (active) cannot work: "
                + ListenCheck.poolerWarning(.seconds(10))), "\(broken.stdout)")
            let brokenJSON = try statusJSON(db)
            #expect(brokenJSON.status == 1)
            #expect(brokenJSON.object["ok"] as? Bool == false)
            #expect((brokenJSON.object["instances"] as? [[String: Any]])?.first?["warning"] as? String
                == ListenCheck.poolerWarning(.seconds(10)))

            report.warning = nil
            _ = try await db.connection.query(StatusReport.sql, report.parameters)
            let ok = try status(db)
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.stdout.hasPrefix("OK: active instance db-test-host pid 4242"), "\(ok.stdout)")
            #expect(try statusJSON(db).object["ok"] as? Bool == true)
        }
    }

    @Test func withoutTheStatusViewItExitsOneAndSaysToInstall() async throws {
        let db = try await DaemonTestDatabase.create()
        let r = try status(db)
        #expect(r.status == 1)
        #expect(r.stderr.contains("run `session-syncd install`"), "\(r)")
        #expect(try status(db, ["--max-age-s", "0"]).status == 64)
        await db.drop()
    }
}
