import Logging

/// The periodic stats line: `msg="stats" stats.synced=... stats.lag_p99_ms=...`.
enum StatsLine {
    /// Message of the line.
    static let message: Logger.Message = "stats"

    /// Metadata for one snapshot; values are ``LogNumber``s (JSON numbers in the JSON format). Lag keys are omitted when the interval had no samples,
    /// `stats.since_last_notification_s` when no notification has arrived yet (never a fake 0).
    /// Keys: stats.synced, stats.errors, stats.batches, stats.batch_size_mean, stats.batch_size_max,
    /// stats.lag_samples, stats.lag_p50_ms, stats.lag_p99_ms, stats.lag_max_ms, stats.since_last_notification_s.
    static func metadata(_ s: LagStats.Snapshot) -> Logger.Metadata {
        func number(_ text: String) -> Logger.MetadataValue { .stringConvertible(LogNumber(formatted: text)) }
        var m: Logger.Metadata = [
            "stats.synced": .stringConvertible(LogNumber(s.synced)),
            "stats.errors": .stringConvertible(LogNumber(s.errors)),
            "stats.batches": .stringConvertible(LogNumber(s.batches)),
            "stats.batch_size_max": .stringConvertible(LogNumber(s.batchSizeMax)),
            "stats.batch_size_mean": number(decimal(s.batchSizeMean ?? 0, places: 1)),
            "stats.lag_samples": .stringConvertible(LogNumber(s.lagSamples)),
        ]
        if let p50 = s.lagP50 { m["stats.lag_p50_ms"] = number(milliseconds(p50)) }
        if let p99 = s.lagP99 { m["stats.lag_p99_ms"] = number(milliseconds(p99)) }
        if let max = s.lagMax { m["stats.lag_max_ms"] = number(milliseconds(max)) }
        if let since = s.sinceLastNotification { m["stats.since_last_notification_s"] = number(decimal(seconds(since), places: 1)) }
        return m
    }

    /// Writes the stats line at info level.
    static func log(_ snapshot: LagStats.Snapshot, to logger: Logger) {
        logger.info(message, metadata: metadata(snapshot))
    }

    /// Milliseconds with one decimal: "3.2".
    static func milliseconds(_ d: Duration) -> String {
        decimal(seconds(d) * 1000, places: 1)
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    /// Non-negative `value` rounded to `places` decimals, without Foundation: `decimal(2.25, places: 1)` = "2.3".
    static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((Swift.max(0, value) * scale).rounded())
        let whole = scaled / Int64(scale)
        guard places > 0 else { return "\(whole)" }
        let frac = String(scaled % Int64(scale))
        return "\(whole)." + String(repeating: "0", count: places - frac.count) + frac
    }
}
