import Foundation

/// A real pgbouncer (Debian's package, /usr/sbin/pgbouncer) in front of the test cluster, in
/// transaction pooling mode, run as the cluster owner (it refuses root).
final class PgbouncerServer: Sendable {
    static let binary = "/usr/sbin/pgbouncer"
    let dir: String
    let port: Int
    /// `host=<dir> port=<port>` (its unix socket): add dbname.
    var conninfo: String { "host=\(dir) port=\(port)" }

    private init(dir: String, port: Int) {
        self.dir = dir
        self.port = port
    }

    /// Whether pgbouncer is installed (scripts/lib/deps.sh installs it).
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Starts pgbouncer (daemonized) with `pool_mode` for every database of the PG* environment's
    /// server, trust authentication, `poolSize` server connections per database and user; waits for its socket.
    static func start(poolMode: String = "transaction", poolSize: Int = 1) async throws -> PgbouncerServer {
        let env = ProcessInfo.processInfo.environment
        guard let host = env["PGHOST"], let primaryPort = env["PGPORT"] else {
            throw DaemonTestSetupError(description: "pgbouncer needs PGHOST and PGPORT: run scripts/test or scripts/pg-temp")
        }
        let dir = try OwnerCommand.makeDirectory("session-syncd-pgbouncer")
        let port = OwnerCommand.freePort(socketDir: dir)
        let server = PgbouncerServer(dir: dir, port: port)
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
            pidfile = \(dir)/pgbouncer.pid
            ignore_startup_parameters = extra_float_digits,options

            """.write(toFile: "\(dir)/pgbouncer.ini", atomically: true, encoding: .utf8)
        guard try OwnerCommand.run([binary, "-d", "\(dir)/pgbouncer.ini"], log: "\(dir)/start.log") == 0 else {
            let text = (try? String(contentsOfFile: "\(dir)/start.log", encoding: .utf8)) ?? ""
            server.stop()
            throw DaemonTestSetupError(description: "pgbouncer did not start: \(text)")
        }
        let end = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: "\(dir)/.s.PGSQL.\(port)") {
            guard ContinuousClock.now < end else {
                server.stop()
                throw DaemonTestSetupError(description: "pgbouncer's socket did not appear")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return server
    }

    /// Stops it (SIGTERM to the pid in its pidfile) and removes its directory.
    func stop() {
        if let text = try? String(contentsOfFile: "\(dir)/pgbouncer.pid", encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
