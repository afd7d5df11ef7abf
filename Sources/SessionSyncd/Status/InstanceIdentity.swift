import Foundation

/// Who this process is, in its status row: a fresh id per start, the host, pid, version, start time.
struct InstanceIdentity: Sendable, Equatable {
    var id: UUID
    var host: String
    var pid: Int32
    var version: String
    var startedAt: Date

    /// This process, now.
    static func current() -> InstanceIdentity {
        InstanceIdentity(id: UUID(), host: hostName(), pid: getpid(), version: SessionSyncdVersion.current, startedAt: Date())
    }

    /// gethostname(2) (no DNS lookup, unlike ProcessInfo.hostName on some platforms).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
