import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's notify socket: what a daemon started with
/// `NOTIFY_SOCKET=<environmentValue>` sends, in order, with the time each datagram arrived.
final class NotifyReceiver: @unchecked Sendable {
    // @unchecked Sendable: `received` is guarded by `lock`; `fd` is read-only after init.
    struct Datagram: Sendable {
        var text: String
        var at: ContinuousClock.Instant
        /// The datagram's `KEY=value` lines.
        var fields: [String] { text.split(separator: "\n").map(String.init) }
    }

    /// The value for `NOTIFY_SOCKET`: a path, or `@name` for an abstract socket.
    let environmentValue: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Datagram] = []
    private var thread: Thread?
    private var closed = false

    /// Binds a new socket.
    /// - Parameter abstract: an abstract socket name (`@...`) instead of a file in the temporary directory.
    init(abstract: Bool) throws {
        let name = "ssd-notify-\(UUID().uuidString.prefix(8))"
        var pathBytes: [UInt8]
        if abstract {
            environmentValue = "@" + name
            pathBytes = [0] + Array(name.utf8)
        } else {
            environmentValue = "/tmp/\(name).sock"
            pathBytes = Array(environmentValue.utf8) + [0]
        }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonTestSetupError(description: "socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in pathBytes.enumerated() { raw[i] = b } }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw DaemonTestSetupError(description: "bind \(environmentValue): errno \(errno)") }
        if !abstract { chmod(environmentValue, 0o777) }
        let t = Thread { [self] in receiveLoop() }
        thread = t
        t.start()
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !lock.withLock({ closed }) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            let now = ContinuousClock.now
            lock.withLock { received.append(Datagram(text: text, at: now)) }
        }
    }

    /// Everything received so far.
    var datagrams: [Datagram] { lock.withLock { received } }

    /// The fields (`KEY=value` lines) received so far, in order.
    var fields: [String] { datagrams.flatMap(\.fields) }

    /// How many fields so far equal `field` (or, ending in `=`, start with it).
    func count(_ field: String) -> Int {
        fields.filter { field.hasSuffix("=") ? $0.hasPrefix(field) : $0 == field }.count
    }

    /// Waits until `field` has been received `count` times; false on timeout.
    func waitFor(_ field: String, count: Int = 1, timeout: Duration = .seconds(30)) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if self.count(field) >= count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.count(field) >= count
    }

    /// The first datagram with `field` (see ``count(_:)`` for the matching).
    func first(_ field: String) -> Datagram? {
        datagrams.first { d in d.fields.contains { field.hasSuffix("=") ? $0.hasPrefix(field) : $0 == field } }
    }

    /// Stops receiving and removes the socket file.
    func close() {
        lock.withLock { closed = true }
        while thread?.isFinished == false { usleep(10_000) }
        Glibc.close(fd)
        if !environmentValue.hasPrefix("@") { unlink(environmentValue) }
    }
}
