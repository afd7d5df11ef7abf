import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real pgbouncer (Debian's package, /usr/sbin/pgbouncer, installed by scripts/lib/deps.sh) in
/// front of the test cluster, run as the cluster owner (it refuses root). It runs in the foreground
/// as the test's child (not `-d`), so ``stop()`` reaps it: no zombie, no orphan.
final class PgbouncerServer: @unchecked Sendable {
    // @unchecked Sendable: `stopped` is guarded by `lock`; the rest is immutable.
    static let binary = "/usr/sbin/pgbouncer"
    let dir: String
    let port: Int
    let pid: pid_t
    private let lock = NSLock()
    private var stopped = false
    /// `host=<dir> port=<port>` (its unix socket): add dbname.
    var conninfo: String { "host=\(dir) port=\(port)" }
    /// Its log so far.
    var log: String { (try? String(contentsOfFile: "\(dir)/pgbouncer.log", encoding: .utf8)) ?? "" }

    private init(dir: String, port: Int, pid: pid_t) {
        self.dir = dir
        self.port = port
        self.pid = pid
    }

    /// Whether pgbouncer is installed.
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Starts pgbouncer with `pool_mode` for every database of the PG* environment's server, trust
    /// authentication, `poolSize` server connections per database and user; waits for its socket.
    static func start(poolMode: String = "transaction", poolSize: Int = 1) async throws -> PgbouncerServer {
        let env = ProcessInfo.processInfo.environment
        guard let host = env["PGHOST"], let primaryPort = env["PGPORT"] else {
            throw DaemonTestSetupError(description: "pgbouncer needs PGHOST and PGPORT: run scripts/test or scripts/pg-temp")
        }
        let dir = try OwnerCommand.makeDirectory("ssd-pgbouncer")
        let port = OwnerCommand.freePort(socketDir: dir)
        try "\"postgres\" \"\"\n".write(toFile: "\(dir)/users.txt", atomically: true, encoding: .utf8)
        try """
            [databases]
            * = host=\(host) port=\(primaryPort)
            [pgbouncer]
            listen_addr =
            listen_port = \(port)
            unix_socket_dir = \(dir)
            auth_type = trust
            auth_file = \(dir)/users.txt
            pool_mode = \(poolMode)
            default_pool_size = \(poolSize)
            max_client_conn = 200
            logfile = \(dir)/pgbouncer.log
            ignore_startup_parameters = extra_float_digits,options

            """.write(toFile: "\(dir)/pgbouncer.ini", atomically: true, encoding: .utf8)
        let pid = try OwnerCommand.spawn([binary, "\(dir)/pgbouncer.ini"], log: "\(dir)/stderr.log")
        let server = PgbouncerServer(dir: dir, port: port, pid: pid)
        let end = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: "\(dir)/.s.PGSQL.\(port)") {
            if OwnerCommand.exited(pid) != nil || ContinuousClock.now > end {
                let text = ((try? String(contentsOfFile: "\(dir)/stderr.log", encoding: .utf8)) ?? "") + server.log
                server.stop()
                throw DaemonTestSetupError(description: "pgbouncer did not start: \(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return server
    }

    /// SIGTERM (pgbouncer 1.18: immediate shutdown), waits for the process (reaped), removes the directory. Idempotent.
    func stop() {
        guard lock.withLock({ defer { stopped = true }; return !stopped }) else { return }
        OwnerCommand.stop(pid, signal: SIGTERM)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Whether the process is gone (reaped: `kill(pid, 0)` fails; a zombie would still answer).
    var isGone: Bool { kill(pid, 0) != 0 && errno == ESRCH }
}
