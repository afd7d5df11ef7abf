/// A fixed-size log-linear histogram of durations in microseconds (HdrHistogram's idea, our own code).
///
/// Values below 64 µs are exact; above, each power of two is split into 64 buckets, so a reported
/// percentile is within 1/64 (1.6 %) of the truth. 2,688 counters cover 0 µs to 2^47 µs (4.4 years):
/// memory is bounded (about 21 KiB) whatever the number of samples.
struct LagHistogram: Sendable, Equatable {
    private static let subBucketBits = 6
    private static let subBuckets = 1 << subBucketBits
    /// Largest recordable value; larger ones are clamped to it.
    static let maxValue: UInt64 = (1 << 47) - 1
    static let bucketCount = subBuckets + (47 - subBucketBits) * subBuckets

    private var counts: [UInt64]
    /// Number of recorded samples.
    private(set) var count: UInt64 = 0
    /// Smallest recorded sample (µs), exact.
    private(set) var min: UInt64 = .max
    /// Largest recorded sample (µs), exact.
    private(set) var max: UInt64 = 0

    /// An empty histogram.
    init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// Records one sample.
    /// - Parameter microseconds: the value; above ``maxValue`` it is clamped.
    mutating func record(microseconds: UInt64) {
        let v = Swift.min(microseconds, Self.maxValue)
        counts[Self.bucketIndex(v)] += 1
        count += 1
        min = Swift.min(min, v)
        max = Swift.max(max, v)
    }

    /// The value at or below which `fraction` of the samples lie (0.5 = median, 0.99 = p99), as the
    /// top of its bucket clamped to the exact min/max; nil when empty.
    /// - Parameter fraction: 0...1.
    func percentile(_ fraction: Double) -> UInt64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, UInt64((fraction * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                return Swift.min(Swift.max(Self.bucketUpperBound(i), min), max)
            }
        }
        return max
    }

    /// Forgets every sample.
    mutating func reset() {
        for i in counts.indices { counts[i] = 0 }
        count = 0
        min = .max
        max = 0
    }

    static func bucketIndex(_ v: UInt64) -> Int {
        if v < UInt64(subBuckets) { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount
        let shift = exponent - subBucketBits
        let sub = Int(v >> UInt64(shift)) - subBuckets
        return subBuckets + shift * subBuckets + sub
    }

    /// Largest value that falls into bucket `i`.
    static func bucketUpperBound(_ i: Int) -> UInt64 {
        if i < subBuckets { return UInt64(i) }
        let shift = (i - subBuckets) / subBuckets
        let sub = UInt64(subBuckets + (i - subBuckets) % subBuckets)
        return ((sub + 1) << UInt64(shift)) - 1
    }
}
