import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command as the test cluster's owner (PG_CTL_USER, `postgres`: PostgreSQL and pgbouncer
/// refuse to run as root), output to a log file. posix_spawn + waitpid, no pipes: a server it
/// starts inherits nothing we wait on.
enum OwnerCommand {
    /// The cluster owner (PG_CTL_USER, default postgres).
    static var user: String { ProcessInfo.processInfo.environment["PG_CTL_USER"] ?? "postgres" }

    /// Runs `argv` (as the owner when we are root); returns its exit status.
    @discardableResult
    static func run(_ argv: [String], log: String) throws -> Int32 {
        let full = getuid() == 0 ? ["/usr/sbin/runuser", "-u", user, "--"] + argv : argv
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
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw DaemonTestSetupError(description: "waitpid failed: errno \(errno)") }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
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
