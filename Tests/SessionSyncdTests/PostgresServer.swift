import Foundation
import Logging
import PGListen
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL server of one test: a primary made by initdb, or a streaming hot standby of
/// one (pg_basebackup -R). Run as the cluster owner (``OwnerCommand``) in its own directory, with
/// its unix socket there and no TCP, on a free port. `postgres` runs in the foreground as the test's
/// child, so ``stop()`` reaps it.
final class PostgresServer: @unchecked Sendable {
    // @unchecked Sendable: `stopped` is guarded by `lock`; the rest is immutable.
    let dir: String
    let port: Int
    let bin: String
    let pid: pid_t
    private let lock = NSLock()
    private var stopped = false

    /// `host=<dir> port=<port>`: add dbname.
    var conninfo: String { "host=\(dir) port=\(port)" }
    /// The server's log so far.
    var log: String { (try? String(contentsOfFile: "\(dir)/server.log", encoding: .utf8)) ?? "" }

    /// The same on both (a hot standby needs max_connections & co. at least as high as its primary's):
    /// WAL for streaming, a few WAL senders, read-only queries during recovery.
    static func settings(port: Int, dir: String) -> [String] {
        ["-p", "\(port)", "-k", dir, "-c", "listen_addresses=", "-c", "fsync=off", "-c", "wal_level=replica",
         "-c", "max_wal_senders=5", "-c", "hot_standby=on", "-c", "max_connections=60"]
    }

    private init(dir: String, port: Int, bin: String, pid: pid_t) {
        self.dir = dir
        self.port = port
        self.bin = bin
        self.pid = pid
    }

    /// initdb and start a primary; returns once it accepts connections.
    static func primary() async throws -> PostgresServer {
        let bin = try OwnerCommand.postgresBin()
        let dir = try OwnerCommand.makeDirectory("ssd-primary")
        let status = try OwnerCommand.run(["\(bin)/initdb", "-D", "\(dir)/data", "-U", "postgres", "--auth=trust",
                                           "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], log: "\(dir)/initdb.log")
        guard status == 0 else {
            let text = (try? String(contentsOfFile: "\(dir)/initdb.log", encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: dir)
            throw DaemonTestSetupError(description: "initdb failed: \(text)")
        }
        return try await start(dir: dir, bin: bin)
    }

    /// A hot standby of `primary`: pg_basebackup -R (standby.signal and primary_conninfo), streaming
    /// from it; returns once it accepts (read-only) connections.
    static func standby(of primary: PostgresServer) async throws -> PostgresServer {
        let dir = try OwnerCommand.makeDirectory("ssd-standby")
        let status = try OwnerCommand.run(["\(primary.bin)/pg_basebackup", "-h", primary.dir, "-p", "\(primary.port)",
                                           "-U", "postgres", "-D", "\(dir)/data", "-R", "-X", "stream", "-c", "fast",
                                           "--no-sync"], log: "\(dir)/basebackup.log")
        guard status == 0, FileManager.default.fileExists(atPath: "\(dir)/data/standby.signal") else {
            let text = (try? String(contentsOfFile: "\(dir)/basebackup.log", encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: dir)
            throw DaemonTestSetupError(description: "pg_basebackup -R failed (exit \(status)): \(text)")
        }
        return try await start(dir: dir, bin: primary.bin)
    }

    private static func start(dir: String, bin: String) async throws -> PostgresServer {
        let port = OwnerCommand.freePort(socketDir: dir)
        let pid = try OwnerCommand.spawn(["\(bin)/postgres", "-D", "\(dir)/data"] + settings(port: port, dir: dir),
                                         log: "\(dir)/server.log")
        let server = PostgresServer(dir: dir, port: port, bin: bin, pid: pid)
        let end = ContinuousClock.now + .seconds(120)
        while true {
            if let conn = try? await server.connect("postgres") {
                conn.close()
                return server
            }
            if OwnerCommand.exited(pid) != nil || ContinuousClock.now > end {
                let text = server.log
                server.stop()
                throw DaemonTestSetupError(description: "postgres did not start in \(dir): \(text)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A superuser connection to `database`.
    func connect(_ database: String) async throws -> PGConnection {
        try await PGConnection.connect(PGConnectionConfiguration(conninfo: "\(conninfo) dbname=\(database) user=postgres",
                                                                 connectTimeout: .seconds(5)),
                                       logger: DaemonTestDatabase.logger)
    }

    /// Whether it is a hot standby (`pg_is_in_recovery()`).
    func inRecovery() async throws -> Bool {
        let conn = try await connect("postgres")
        defer { conn.close() }
        return try await conn.query("SELECT pg_is_in_recovery()")[0, 0] == "t"
    }

    /// Makes a standby a primary (`pg_promote()`, waiting for the end of recovery).
    func promote() async throws {
        let conn = try await connect("postgres")
        defer { conn.close() }
        guard try await conn.query("SELECT pg_promote(true, 60)")[0, 0] == "t" else {
            throw DaemonTestSetupError(description: "pg_promote() did not finish: \(log)")
        }
    }

    /// Fast shutdown, waits for the process (reaped: no zombie), removes the directory. Idempotent.
    func stop() {
        guard lock.withLock({ defer { stopped = true }; return !stopped }) else { return }
        OwnerCommand.stop(pid, signal: SIGINT)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Whether the process is gone (reaped: `kill(pid, 0)` fails; a zombie would still answer).
    var isGone: Bool { kill(pid, 0) != 0 && errno == ESRCH }
}
