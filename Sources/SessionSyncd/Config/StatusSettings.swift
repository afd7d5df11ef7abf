/// The status table (`[status]`): how often this instance writes its row of
/// `session_syncd.instance_status` and how long dead instances' rows stay.
struct StatusSettings: Sendable, Equatable {
    /// Period of the status row (`interval_s`); zero: the instance writes no status row.
    var interval: Duration
    /// Rows whose heartbeat is older than this are deleted by the next write of any instance (`retention_s`).
    var retention: Duration
    /// Longest `interval_s` accepted: a status row is a heartbeat, and monitoring needs a fresh one.
    static let intervalMax: Duration = .seconds(300)

    /// Creates the settings.
    /// - Parameters:
    ///   - interval: default 5 s (`status` calls a row fresh for three intervals).
    ///   - retention: default 1 h.
    init(interval: Duration = .seconds(5), retention: Duration = .seconds(3600)) {
        self.interval = interval
        self.retention = retention
    }
}
