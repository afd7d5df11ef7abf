/// systemd's watchdog request: `WatchdogSec=` reaches the service as `$WATCHDOG_USEC` (and
/// `$WATCHDOG_PID`, the process it is meant for), sd_watchdog_enabled(3).
struct WatchdogSettings: Sendable, Equatable {
    /// systemd's deadline between two pings.
    var timeout: Duration
    /// How often to try to ping: half of ``timeout``, as sd_watchdog_enabled(3) recommends.
    var pingInterval: Duration { timeout / 2 }

    /// Reads the request.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - pid: this process's id.
    /// - Returns: nil when `WATCHDOG_USEC` is missing, not a positive integer, or `WATCHDOG_PID` names
    ///   another process.
    init?(environment: [String: String], pid: Int32) {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0, usec <= UInt64(Int64.max) else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let ownerPID = Int32(owner), ownerPID == pid else { return nil }
        }
        timeout = .microseconds(Int64(usec))
    }

    /// A request of `timeout` (tests).
    init(timeout: Duration) {
        self.timeout = timeout
    }
}
