import Logging

/// Log output (`[log]`).
struct LogSettings: Sendable, Equatable {
    /// Line format on stderr.
    enum Format: String, Sendable, CaseIterable {
        /// `ts=... level=info msg="..." key=value`
        case logfmt
        /// One JSON object per line.
        case json
    }

    /// Line format (`format`).
    var format: Format
    /// Lowest level written (`level`: trace, debug, info, notice, warning, error, critical).
    var level: Logger.Level
    /// Period of the stats line (`stats_interval_s`); zero disables it.
    var statsInterval: Duration

    /// Creates log settings.
    /// - Parameters:
    ///   - format: default `.logfmt`.
    ///   - level: default `.info`.
    ///   - statsInterval: default 60 s.
    init(format: Format = .logfmt, level: Logger.Level = .info, statsInterval: Duration = .seconds(60)) {
        self.format = format
        self.level = level
        self.statsInterval = statsInterval
    }
}
