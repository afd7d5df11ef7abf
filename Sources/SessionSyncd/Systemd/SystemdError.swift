/// What can go wrong talking to systemd. Never fatal: the daemon logs it once and carries on.
enum SystemdError: Error, Equatable, CustomStringConvertible {
    /// `$NOTIFY_SOCKET` is neither an absolute path nor `@name`.
    case unsupportedNotifySocket
    /// A system call failed (`socket`, `sendto`) with this errno.
    case system(call: String, errno: Int32)

    var description: String {
        switch self {
        case .unsupportedNotifySocket:
            return "NOTIFY_SOCKET is neither an absolute path nor an abstract socket (@name)"
        case .system(let call, let errno):
            return "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
