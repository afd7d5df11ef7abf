import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// What `run` does on SIGTERM and SIGINT, including when its loop is stuck in a query: the lines it
/// logs, its exit status, `STOPPING=1`.
@Suite struct DaemonShutdownTests {
    @Test(arguments: [(SIGTERM, "TERM"), (SIGINT, "INT")])
    func aSignalStopsTheDaemonWithExitZero(signal: Int32, name: String) async throws {
        let receiver = try NotifyReceiver(abstract: true)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            daemon = try await db.startDaemon(environment: ["NOTIFY_SOCKET": receiver.environmentValue])
            daemon!.signal(signal)
            #expect(try await daemon!.waitForLog("msg=\"stopped\""))
            let log = daemon!.log
            #expect(log.contains("msg=\"stopping\" signal=\(name)\n"), "\(log)")
            #expect(try await daemon!.stop() == 0)
            daemon = nil
            #expect(try await receiver.waitFor("STOPPING=1"))
        }
    }

    /// The loop waits on a server that does not answer (its backends stopped): SIGTERM still ends the
    /// process, after the grace, with exit status 0 and one warning.
    @Test func aShutdownStuckInAQueryExitsAfterTheGrace() async throws {
        try await stuck { (daemon: DaemonProcess, _: NotifyReceiver) async throws in
            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForLog("shutdown took too long; exiting", timeout: .seconds(30)), "\(daemon.log)")
        }
    }

    /// A second signal while stuck exits at once (before the grace's warning), status 0.
    @Test func aSecondSignalExitsAtOnce() async throws {
        try await stuck { (daemon: DaemonProcess, receiver: NotifyReceiver) async throws in
            daemon.signal(SIGTERM)
            // The first signal was handled (STOPPING=1 comes from the handler): two signals sent before
            // delivery would be one.
            #expect(try await receiver.waitFor("STOPPING=1"))
            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForExit() != nil)
            #expect(!daemon.log.contains("shutdown took too long"), "\(daemon.log)")
        }
    }

    /// Runs `body` with a daemon whose loop is blocked in a watchdog probe on a stopped backend; then
    /// expects the process to have exited 0.
    func stuck(_ body: (DaemonProcess, NotifyReceiver) async throws -> Void) async throws {
        let receiver = try NotifyReceiver(abstract: false)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            daemon = try await db.startDaemon(environment: ["NOTIFY_SOCKET": receiver.environmentValue, "WATCHDOG_USEC": "1000000"])
            #expect(try await receiver.waitFor("WATCHDOG=1", count: 2))
            let stopped = try await db.stopBackends()
            defer { for pid in stopped { kill(pid, SIGCONT) } }
            // The next probe (every 0.5 s) now waits for an answer that does not come.
            try await Task.sleep(for: .seconds(1))
            try await body(daemon!, receiver)
            #expect(try await daemon!.waitForExit() == 0)
            #expect(try await receiver.waitFor("STOPPING=1"))
        }
    }
}

extension DaemonTestDatabase {
    /// SIGSTOPs every backend of this database except the test's own connection (the daemon's
    /// connections: the server stops answering it, while the rest of the cluster, which other suites
    /// use at the same time, goes on). Returns their pids, for SIGCONT.
    func stopBackends() async throws -> [Int32] {
        let r = try await connection.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        let pids = (0..<r.rowCount).compactMap { r[$0, 0].flatMap(Int32.init) }
        for pid in pids { kill(pid, SIGSTOP) }
        return pids
    }
}
