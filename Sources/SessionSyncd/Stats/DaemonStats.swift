/// What the daemon counts, for its two readers: the stats line (one ``LagStats`` per
/// `[log] stats_interval_s`) and the status row (one per `[status] interval_s`, plus totals since start).
///
/// Same recording calls as ``LagStats``; each goes to both intervals and the totals.
struct DaemonStats: Sendable {
    /// Counters since the process started.
    struct Totals: Sendable, Equatable {
        var synced = 0
        var errors = 0
        var batches = 0
    }

    private var line = LagStats()
    private var status = LagStats()
    /// Since start.
    private(set) var totals = Totals()
    /// When the last notification (or queue claim) arrived.
    private(set) var lastNotification: ContinuousClock.Instant?

    /// Empty statistics.
    init() {}

    mutating func recordLag(_ duration: Duration) {
        line.recordLag(duration)
        status.recordLag(duration)
    }

    mutating func recordBatch(size: Int) {
        line.recordBatch(size: size)
        status.recordBatch(size: size)
        if size > 0 { totals.batches += 1 }
    }

    mutating func recordSynced(_ count: Int = 1) {
        line.recordSynced(count)
        status.recordSynced(count)
        totals.synced += count
    }

    mutating func recordErrors(_ count: Int = 1) {
        line.recordErrors(count)
        status.recordErrors(count)
        totals.errors += count
    }

    mutating func recordNotification(at instant: ContinuousClock.Instant) {
        line.recordNotification(at: instant)
        status.recordNotification(at: instant)
        lastNotification = instant
    }

    /// The stats line's interval so far (nothing is reset).
    func snapshot(now: ContinuousClock.Instant) -> LagStats.Snapshot {
        line.snapshot(now: now)
    }

    /// The stats line's interval; starts the next one.
    mutating func takeSnapshot(now: ContinuousClock.Instant) -> LagStats.Snapshot {
        line.takeSnapshot(now: now)
    }

    /// The status row's interval; starts the next one.
    mutating func takeStatusSnapshot(now: ContinuousClock.Instant) -> LagStats.Snapshot {
        status.takeSnapshot(now: now)
    }
}
