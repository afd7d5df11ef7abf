/// The text of `STATUS=` (what `systemctl status session-syncd` shows under "Status:"): one line,
/// no session data.
enum NotifyStatus {
    /// Before the first catch-up has finished.
    static let catchingUp = "active: catching up"
    /// While standing by with `[ha] enabled`.
    static let standingBy = "standby: waiting for the leader lock"
    /// Before the database answered.
    static let starting = "starting"
    /// After SIGTERM.
    static let stopping = "stopping"

    /// The summary refreshed with each stats line, e.g.
    /// `active: 120 synced, 0 errors, lag p99 3.2 ms in the last 60 s; last notification 0.4 s ago`.
    /// - Parameters:
    ///   - role: active or standby.
    ///   - snapshot: the interval's figures (the stats line's).
    ///   - interval: `[log] stats_interval_s`.
    ///   - warning: why this instance cannot work (``ListenCheck``): then the line starts `error: <warning>; `.
    static func summary(role: InstanceRole.Role, _ snapshot: LagStats.Snapshot, interval: Duration,
                        warning: String? = nil) -> String {
        let prefix = warning.map { "error: \($0); " } ?? ""
        if role == .standby { return prefix + standingBy }
        var text = prefix + "\(role.rawValue): \(snapshot.synced) synced, \(snapshot.errors) errors"
        if let p99 = snapshot.lagP99 { text += ", lag p99 \(StatsLine.milliseconds(p99)) ms" }
        text += " in the last \(StatsLine.decimal(StatsLine.seconds(interval), places: 0)) s"
        if let since = snapshot.sinceLastNotification {
            text += "; last notification \(StatsLine.decimal(StatsLine.seconds(since), places: 1)) s ago"
        } else {
            text += "; no notification yet"
        }
        return text
    }
}
