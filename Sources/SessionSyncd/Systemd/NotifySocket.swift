#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One unconnected `AF_UNIX` datagram socket that sends sd_notify messages to ``NotifyAddress``:
/// the protocol of sd_notify(3), without libsystemd. Each message is one datagram; systemd reads the
/// sender's pid from the socket's credentials, which is why `NotifyAccess=main` accepts it.
///
/// Not thread-safe by itself: ``SystemdNotifier`` serializes the calls.
final class NotifySocket {
    let address: NotifyAddress
    private var fd: Int32 = -1

    /// Creates the sender; the socket is opened at the first ``send(_:)``.
    init(address: NotifyAddress) {
        self.address = address
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sends `message` as one datagram (non-blocking: a full receive queue is an error, never a wait).
    /// - Throws: ``SystemdError/system(call:errno:)``.
    func send(_ message: String) throws(SystemdError) {
        if fd < 0 {
            #if canImport(Glibc)
            let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            #else
            let type = SOCK_DGRAM
            #endif
            let s = socket(AF_UNIX, type, 0)
            guard s >= 0 else { throw .system(call: "socket", errno: errno) }
            fd = s
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let path = address.sunPathBytes
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.enumerated() where i < raw.count { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count)
        let bytes = Array(message.utf8)
        var sent: Int
        repeat {
            sent = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    #if canImport(Glibc)
                    let flags = Int32(MSG_NOSIGNAL)
                    #else
                    let flags: Int32 = 0
                    #endif
                    return sendto(fd, bytes, bytes.count, flags, sa, length)
                }
            }
        } while sent < 0 && errno == EINTR
        guard sent >= 0 else { throw .system(call: "sendto", errno: errno) }
    }
}
