import Foundation
import PGListen

/// A streaming hot standby of the test cluster: pg_basebackup -R as the cluster owner, started on
/// its own port with a unix socket in its own directory. Needs PG_BIN (scripts/test, scripts/pg-temp).
final class StandbyServer: Sendable {
    let dir: String
    let port: Int
    let bin: String
    /// `host=<dir> port=<port>`: add dbname.
    var conninfo: String { "host=\(dir) port=\(port)" }

    private init(dir: String, port: Int, bin: String) {
        self.dir = dir
        self.port = port
        self.bin = bin
    }

    /// Copies the primary (the PG* environment) and starts the copy as a hot standby; waits until it accepts connections.
    static func start(primary: PGConnection) async throws -> StandbyServer {
        let env = ProcessInfo.processInfo.environment
        guard let bin = env["PG_BIN"], let host = env["PGHOST"], let primaryPort = env["PGPORT"] else {
            throw DaemonTestSetupError(description: "a standby needs PG_BIN, PGHOST and PGPORT: run scripts/test or scripts/pg-temp")
        }
        let dir = try OwnerCommand.makeDirectory("session-syncd-standby")
        let port = OwnerCommand.freePort(socketDir: dir)
        let server = StandbyServer(dir: dir, port: port, bin: bin)
        let log = "\(dir)/standby.log"
        guard try OwnerCommand.run(["\(bin)/pg_basebackup", "-h", host, "-p", primaryPort, "-U", "postgres",
                                    "-D", "\(dir)/data", "-R", "-X", "stream", "-c", "fast"], log: log) == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            server.stop()
            throw DaemonTestSetupError(description: "pg_basebackup failed: \(text)")
        }
        // A hot standby needs these at least as high as on the primary.
        var settings = "-p \(port) -k \(dir) -c listen_addresses= -c fsync=off"
        for name in ["max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                     "max_locks_per_transaction"] {
            let value = try await primary.query("SELECT current_setting($1)", [.text(name)])[0, 0] ?? ""
            settings += " -c \(name)=\(value)"
        }
        guard try server.pgctl(["-o", settings, "start"]) == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            server.stop()
            throw DaemonTestSetupError(description: "the standby did not start: \(text)")
        }
        return server
    }

    @discardableResult
    func pgctl(_ arguments: [String]) throws -> Int32 {
        try OwnerCommand.run(["\(bin)/pg_ctl", "-D", "\(dir)/data", "-l", "\(dir)/standby.log", "-w", "-t", "60"] + arguments,
                             log: "\(dir)/pg_ctl.log")
    }

    /// Makes it a primary (pg_ctl promote, waiting for the end of recovery).
    func promote() throws {
        guard try pgctl(["promote"]) == 0 else { throw DaemonTestSetupError(description: "pg_ctl promote failed") }
    }

    /// Stops it (immediate) and removes its directory.
    func stop() {
        if FileManager.default.fileExists(atPath: "\(dir)/data/postmaster.pid") { _ = try? pgctl(["-m", "immediate", "stop"]) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
