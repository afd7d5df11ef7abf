import Logging

/// The `<N>` prefix journald reads from the start of a line on a service's stream (sd-daemon(3)): the
/// syslog priority, so `journalctl -p warning` filters the daemon's own levels.
enum SyslogPriority {
    /// syslog(3)'s number for a swift-log level: trace and debug 7 (LOG_DEBUG), info 6, notice 5,
    /// warning 4, error 3, critical 2 (LOG_CRIT).
    static func value(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `<N>` for `level`.
    static func prefix(_ level: Logger.Level) -> String {
        "<\(value(level))>"
    }
}
