import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs as the test cluster's owner (PG_CTL_USER, `postgres`: PostgreSQL and pgbouncer
/// refuse to run as root, and CI runs as root), output to a log file, stdin from /dev/null.
///
/// As root the program is started through `setpriv`, which changes the user and then execs it, so
/// the process id we get is the program's own: a server started with ``spawn(_:log:)`` stays our
/// child and ``stop(_:signal:timeout:)`` reaps it (no daemonizing, no zombie, no orphan).
/// posix_spawn + waitpid, no pipes: nothing the program leaves running holds a pipe we read.
enum OwnerCommand {
    /// The cluster owner (PG_CTL_USER, default postgres).
    static var user: String { ProcessInfo.processInfo.environment["PG_CTL_USER"] ?? "postgres" }

    /// The server binaries: PG_BIN (scripts/test, scripts/pg-temp), else the newest /usr/lib/postgresql/*/bin.
    static func postgresBin() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["PG_BIN"], !bin.isEmpty { return bin }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) })
        where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/initdb") {
            return "/usr/lib/postgresql/\(v)/bin"
        }
        throw DaemonTestSetupError(description: "no PostgreSQL server binaries (PG_BIN, /usr/lib/postgresql/*/bin)")
    }

    /// Starts `argv` (as the owner when we are root) and returns its pid, without waiting.
    static func spawn(_ argv: [String], log: String) throws -> pid_t {
        var full = argv
        if getuid() == 0 {
            full = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--init-groups", "--"] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = full.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, full[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw DaemonTestSetupError(description: "cannot run \(full[0]): errno \(rc)") }
        return pid
    }

    /// Runs `argv` (as the owner when we are root) to its end; returns its exit status (-1: killed by a signal).
    @discardableResult
    static func run(_ argv: [String], log: String) throws -> Int32 {
        let pid = try spawn(argv, log: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw DaemonTestSetupError(description: "waitpid failed: errno \(errno)") }
        }
        return exitStatus(status)
    }

    /// Whether a child started by ``spawn(_:log:)`` has exited; if so it is reaped and its status returned.
    static func exited(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { return exitStatus(status) }
        return r < 0 && errno == ECHILD ? -1 : nil
    }

    /// Sends `signal` to a child started by ``spawn(_:log:)`` and waits for it (SIGKILL after `timeout`);
    /// always reaps it. Returns its exit status.
    @discardableResult
    static func stop(_ pid: pid_t, signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) -> Int32 {
        if let status = exited(pid) { return status }
        kill(pid, signal)
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let status = exited(pid) { return status }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return exitStatus(status)
    }

    private static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// A new directory the owner may write (0755, chowned to the owner when we are root).
    static func makeDirectory(_ prefix: String) throws -> String {
        let dir = "/tmp/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        if getuid() == 0, let pw = getpwnam(user) { chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        return dir
    }

    /// A port nobody listens on (on 127.0.0.1, and no socket file for it in `dir`).
    static func freePort(socketDir dir: String) -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20000...50000)
            if FileManager.default.fileExists(atPath: "\(dir)/.s.PGSQL.\(port)") { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        return 45432
    }
}
