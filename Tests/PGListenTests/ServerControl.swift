import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Controls the test cluster for PGListenDisruptiveTests: pg_ctl as the cluster's owner
/// and signals to server processes. Needs PGDATA_DIR, PG_BIN and PG_CTL_USER (exported
/// by scripts/test and scripts/pg-temp).
struct ServerControl {
    let dataDir: String
    let bin: String
    let user: String

    init() throws {
        let env = ProcessInfo.processInfo.environment
        guard let dataDir = env["PGDATA_DIR"], let bin = env["PG_BIN"] else {
            throw TestSetupError(description:
                "PGListenDisruptiveTests need PGDATA_DIR and PG_BIN (and PG_CTL_USER): run scripts/test or eval \"$(scripts/pg-temp start)\"")
        }
        self.dataDir = dataDir
        self.bin = bin
        self.user = env["PG_CTL_USER"] ?? "postgres"
    }

    /// Runs pg_ctl as the cluster owner; output goes to a log file in the data directory
    /// (a pipe would keep us waiting for the postmaster, which inherits it).
    @discardableResult
    func pgctl(_ arguments: [String]) throws -> Int32 {
        let asOwner = getuid() == 0
        let base = ["-D", dataDir, "-l", "\(dataDir)/pglisten-tests.log", "-w", "-t", "60"]
        let argv = (asOwner ? ["/usr/sbin/runuser", "-u", user, "--", "\(bin)/pg_ctl"] : ["\(bin)/pg_ctl"])
            + base + arguments
        return try Self.run(argv)
    }

    /// posix_spawn + waitpid (Foundation's Process did not always reap its child here).
    static func run(_ argv: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw TestSetupError(description: "cannot run \(argv[0]): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestSetupError(description: "waitpid failed: errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// pg_ctl restart with the given shutdown mode ("fast", "immediate").
    func restart(mode: String) throws {
        let status = try pgctl(["-m", mode, "restart"])
        guard status == 0 else { throw TestSetupError(description: "pg_ctl restart -m \(mode) failed (\(status))") }
    }

    var postmasterPID: pid_t? {
        guard let text = try? String(contentsOfFile: "\(dataDir)/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first else { return nil }
        return pid_t(first.trimmingCharacters(in: .whitespaces))
    }

    /// Brings the server back whatever a test did: SIGCONT to the postmaster and the
    /// given processes, then start it if it is not running.
    func restore(continuing pids: [pid_t] = []) {
        for pid in pids { kill(pid, SIGCONT) }
        if let pm = postmasterPID { kill(pm, SIGCONT) }
        if (try? pgctl(["status"])) != 0 {
            _ = try? pgctl(["start"])
        }
    }
}
