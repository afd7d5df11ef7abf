import Logging

/// Counters of the periodic stats line; reset after each line.
struct DaemonStats: Sendable {
    var batches = 0
    var largestBatch = 0
    var sessions = 0
    var current = 0
    var written = 0
    var problems = 0
    var lag = LagStats()

    /// Adds one batch.
    /// - Parameters:
    ///   - size: sessions in the batch.
    ///   - result: what the pipeline did.
    mutating func record(size: Int, _ result: SyncPipeline.Result) {
        batches += 1
        largestBatch = max(largestBatch, size)
        sessions += size
        current += result.current
        written += result.written
        problems += result.problems
    }

    /// Metadata of the stats line.
    /// - Parameters:
    ///   - sinceLastNotification: time since the last notification, nil if none yet.
    ///   - pending: ids waiting for a batch.
    func metadata(sinceLastNotification: Duration?, pending: Int) -> Logger.Metadata {
        let snap = lag.snapshot()
        func ms(_ s: Double?) -> Logger.MetadataValue { s.map { "\(Self.round($0 * 1000))" } ?? "-" }
        return [
            "stats.batches": "\(batches)",
            "stats.sessions": "\(sessions)",
            "stats.synced": "\(current)",
            "stats.written": "\(written)",
            "stats.errors": "\(problems)",
            "stats.batch_avg": "\(batches == 0 ? 0 : Self.round(Double(sessions) / Double(batches)))",
            "stats.batch_max": "\(largestBatch)",
            "stats.lag_p50_ms": ms(snap.p50),
            "stats.lag_p99_ms": ms(snap.p99),
            "stats.lag_max_ms": ms(snap.max),
            "stats.since_last_notification_s": sinceLastNotification.map { "\(Self.round(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18))" } ?? "-",
            "stats.pending": "\(pending)",
        ]
    }

    static func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
