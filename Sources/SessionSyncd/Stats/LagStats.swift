/// Counters and lag distribution of one stats interval, for the periodic stats line.
///
/// A plain value: the daemon owns one, records into it as batches complete, and calls
/// ``takeSnapshot(now:)`` every `stats_interval_s`, which also starts the next interval.
struct LagStats: Sendable {
    /// What the stats line reports for one interval.
    struct Snapshot: Sendable, Equatable {
        /// Sessions written (or confirmed unchanged) in the interval.
        var synced: Int
        /// Column or session problems recorded in the interval.
        var errors: Int
        /// Batches completed in the interval.
        var batches: Int
        /// Mean sessions per batch; nil without batches.
        var batchSizeMean: Double?
        /// Largest batch; 0 without batches.
        var batchSizeMax: Int
        /// Number of lag samples.
        var lagSamples: Int
        /// Median lag (commit → visible in session_fields); nil without samples.
        var lagP50: Duration?
        /// 99th percentile lag; nil without samples.
        var lagP99: Duration?
        /// Largest lag, exact; nil without samples.
        var lagMax: Duration?
        /// Time since the last notification arrived (any interval); nil if none yet.
        var sinceLastNotification: Duration?
    }

    private var lag = LagHistogram()
    private var synced = 0
    private var errors = 0
    private var batches = 0
    private var batchSizeSum = 0
    private var batchSizeMax = 0
    private var lastNotification: ContinuousClock.Instant?

    /// Empty statistics.
    init() {}

    /// Records the lag of one synced session.
    /// - Parameter seconds: commit-to-visible delay; negative values (clock skew) count as 0,
    ///   NaN is ignored.
    mutating func recordLag(seconds: Double) {
        guard !seconds.isNaN else { return }
        let micros = (Swift.max(0, seconds) * 1e6).rounded()
        lag.record(microseconds: micros >= Double(LagHistogram.maxValue) ? LagHistogram.maxValue : UInt64(micros))
    }

    /// Records the lag of one synced session.
    mutating func recordLag(_ duration: Duration) {
        let (s, attoseconds) = duration.components
        recordLag(seconds: Double(s) + Double(attoseconds) / 1e18)
    }

    /// Records a completed batch of `size` sessions; an empty one (a catch-up that found nothing)
    /// is not a batch and is not counted.
    mutating func recordBatch(size: Int) {
        guard size > 0 else { return }
        batches += 1
        batchSizeSum += size
        batchSizeMax = Swift.max(batchSizeMax, size)
    }

    /// Counts sessions synced.
    mutating func recordSynced(_ count: Int = 1) {
        synced += count
    }

    /// Counts recorded problems.
    mutating func recordErrors(_ count: Int = 1) {
        errors += count
    }

    /// Notes that a notification arrived.
    mutating func recordNotification(at instant: ContinuousClock.Instant) {
        lastNotification = instant
    }

    /// The current interval's figures.
    /// - Parameter now: for ``Snapshot/sinceLastNotification``.
    func snapshot(now: ContinuousClock.Instant) -> Snapshot {
        func duration(_ micros: UInt64?) -> Duration? { micros.map { .microseconds(Int64($0)) } }
        return Snapshot(
            synced: synced,
            errors: errors,
            batches: batches,
            batchSizeMean: batches > 0 ? Double(batchSizeSum) / Double(batches) : nil,
            batchSizeMax: batchSizeMax,
            lagSamples: Int(lag.count),
            lagP50: duration(lag.percentile(0.5)),
            lagP99: duration(lag.percentile(0.99)),
            lagMax: lag.count > 0 ? duration(lag.max) : nil,
            sinceLastNotification: lastNotification.map { now - $0 }
        )
    }

    /// The current interval's figures; then starts a new interval (the last notification time is kept).
    mutating func takeSnapshot(now: ContinuousClock.Instant) -> Snapshot {
        let s = snapshot(now: now)
        let last = lastNotification
        self = LagStats()
        lastNotification = last
        return s
    }
}
