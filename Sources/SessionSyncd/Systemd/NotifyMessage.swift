#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sd_notify messages the daemon sends (sd_notify(3): newline-separated `KEY=value` lines).
enum NotifyMessage: Sendable, Equatable {
    /// Startup finished: the first catch-up is done (a standby: it stands by on the lock connection).
    case ready
    /// A SIGHUP reload begins; `monotonicMicroseconds` is CLOCK_MONOTONIC now, which systemd
    /// compares with the time it asked for the reload.
    case reloading(monotonicMicroseconds: UInt64)
    /// Shutdown begins.
    case stopping
    /// The one-line summary `systemctl status` shows.
    case status(String)
    /// The keep-alive ping (only after a database round trip, see ``Watchdog``).
    case watchdog
    /// Startup goes on: systemd's start timeout is extended to this many microseconds from now
    /// (sent while the first catch-up makes progress, see ``StartupExtension``).
    case extendTimeout(microseconds: UInt64)

    /// The datagram's text.
    var text: String {
        switch self {
        case .ready: return "READY=1"
        case .reloading(let usec): return "RELOADING=1\nMONOTONIC_USEC=\(usec)"
        case .stopping: return "STOPPING=1"
        case .status(let line): return "STATUS=" + Self.oneLine(line)
        case .watchdog: return "WATCHDOG=1"
        case .extendTimeout(let usec): return "EXTEND_TIMEOUT_USEC=\(usec)"
        }
    }

    /// `RELOADING=1` with the current CLOCK_MONOTONIC time.
    static func reloadingNow() -> NotifyMessage {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return .reloading(monotonicMicroseconds: UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000)
    }

    /// `EXTEND_TIMEOUT_USEC=` for a duration.
    static func extendTimeout(_ duration: Duration) -> NotifyMessage {
        let c = duration.components
        return .extendTimeout(microseconds: UInt64(c.seconds) * 1_000_000 + UInt64(c.attoseconds / 1_000_000_000_000))
    }

    /// `text` with line breaks and other control characters replaced by spaces: a STATUS value is one line.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 }))
    }
}
