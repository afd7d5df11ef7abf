/// Where `$NOTIFY_SOCKET` says systemd listens: a file system path or an abstract socket name
/// (`@name`, Linux only), both `AF_UNIX` datagram sockets (sd_notify(3)).
enum NotifyAddress: Sendable, Equatable {
    /// An absolute path such as `/run/systemd/notify`.
    case path(String)
    /// An abstract socket name, without the leading `@` (it becomes a NUL byte on the wire).
    case abstract(String)

    /// Longest `sun_path` (108 bytes on Linux): a path needs one more for its NUL.
    static let maxPathBytes = 108

    /// Reads `$NOTIFY_SOCKET`.
    /// - Parameter value: the variable's value; nil or "" means "not under a notify-aware supervisor".
    /// - Returns: nil when unset or empty.
    /// - Throws: ``SystemdError/unsupportedNotifySocket`` for anything else than an absolute path or `@name`
    ///   (for example systemd 254's `vsock:`), or a name too long for `sun_path`.
    static func parse(_ value: String?) throws(SystemdError) -> NotifyAddress? {
        guard let value, !value.isEmpty else { return nil }
        if value.hasPrefix("@") {
            let name = String(value.dropFirst())
            guard !name.isEmpty, name.utf8.count + 1 <= maxPathBytes else { throw .unsupportedNotifySocket }
            return .abstract(name)
        }
        guard value.hasPrefix("/"), value.utf8.count + 1 <= maxPathBytes, !value.utf8.contains(0) else {
            throw .unsupportedNotifySocket
        }
        return .path(value)
    }

    /// The bytes of `sun_path`, and how many of them count (the address length minus the family field):
    /// a path ends with its NUL; an abstract name starts with NUL and has no terminator.
    var sunPathBytes: [UInt8] {
        switch self {
        case .path(let p): return Array(p.utf8) + [0]
        case .abstract(let name): return [0] + Array(name.utf8)
        }
    }
}
