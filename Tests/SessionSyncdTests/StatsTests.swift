import Logging
import Testing
@testable import SessionSyncd

@Suite struct StatsTests {
    @Test func smallValuesAreExact() {
        for v in 0..<64 as Range<UInt64> {
            #expect(LagHistogram.bucketIndex(v) == Int(v))
            #expect(LagHistogram.bucketUpperBound(Int(v)) == v)
        }
    }

    @Test func bucketsTileTheRangeWithoutGaps() {
        var expectedLower: UInt64 = 0
        for i in 0..<LagHistogram.bucketCount {
            let upper = LagHistogram.bucketUpperBound(i)
            #expect(LagHistogram.bucketIndex(expectedLower) == i)
            #expect(LagHistogram.bucketIndex(upper) == i)
            // Relative width stays below 1/64 of the bucket's values.
            #expect(Double(upper - expectedLower) <= Double(expectedLower) / 64.0 + 1)
            expectedLower = upper + 1
        }
        #expect(expectedLower - 1 == LagHistogram.maxValue)
    }

    @Test func percentilesAreWithinTheBucketError() {
        var h = LagHistogram()
        for v in 1...100_000 as ClosedRange<UInt64> { h.record(microseconds: v) }
        #expect(h.count == 100_000)
        #expect(h.min == 1)
        #expect(h.max == 100_000)
        let p50 = Double(h.percentile(0.5)!)
        let p99 = Double(h.percentile(0.99)!)
        #expect(p50 >= 50_000 && p50 <= 50_000 * (1 + 1.0 / 64))
        #expect(p99 >= 99_000 && p99 <= 99_000 * (1 + 1.0 / 64))
        #expect(h.percentile(1.0) == 100_000)
        #expect(h.percentile(0.0) == 1)
    }

    @Test func percentilesNeverExceedTheExactMaxOrUndercutTheMin() {
        var h = LagHistogram()
        h.record(microseconds: 1_000_001)
        h.record(microseconds: 1_000_003)
        #expect(h.percentile(0.5) == 1_000_003)
        #expect(h.percentile(0.01)! >= 1_000_001)
        var one = LagHistogram()
        one.record(microseconds: 777_777)
        #expect(one.percentile(0.5) == 777_777)
        #expect(one.percentile(0.99) == 777_777)
    }

    @Test func skewedDistribution() {
        var h = LagHistogram()
        for _ in 0..<990 { h.record(microseconds: 2_000) }
        for _ in 0..<10 { h.record(microseconds: 500_000) }
        #expect(h.percentile(0.5)! >= 2_000 && h.percentile(0.5)! < 2_032)
        #expect(h.percentile(0.99)! >= 2_000 && h.percentile(0.99)! < 2_032)
        #expect(h.percentile(0.995)! >= 500_000)
        #expect(h.max == 500_000)
    }

    @Test func hugeValuesAreClampedAndEmptyIsNil() {
        var h = LagHistogram()
        #expect(h.percentile(0.5) == nil)
        h.record(microseconds: .max)
        #expect(h.max == LagHistogram.maxValue)
        #expect(h.percentile(0.5) == LagHistogram.maxValue)
        h.reset()
        #expect(h.count == 0)
        #expect(h.percentile(0.99) == nil)
        #expect(h == LagHistogram())
    }

    @Test func lagStatsSnapshot() {
        var stats = LagStats()
        let t0 = ContinuousClock.now
        stats.recordNotification(at: t0)
        stats.recordBatch(size: 10)
        stats.recordBatch(size: 0)  // an empty catch-up is not a batch
        stats.recordBatch(size: 30)
        stats.recordSynced(39)
        stats.recordErrors(2)
        for ms in 1...100 { stats.recordLag(seconds: Double(ms) / 1000) }
        stats.recordLag(.milliseconds(250))
        stats.recordLag(seconds: -3)  // clock skew counts as 0
        stats.recordLag(seconds: .nan)  // ignored

        let s = stats.snapshot(now: t0 + .seconds(5))
        #expect(s.synced == 39)
        #expect(s.errors == 2)
        #expect(s.batches == 2)
        #expect(s.batchSizeMean == 20)
        #expect(s.batchSizeMax == 30)
        #expect(s.lagSamples == 102)
        #expect(s.lagMax == .milliseconds(250))
        #expect(s.sinceLastNotification == .seconds(5))
        let p50 = StatsLine.seconds(s.lagP50!)
        let p99 = StatsLine.seconds(s.lagP99!)
        #expect(p50 >= 0.050 && p50 <= 0.051 * (1 + 1.0 / 64))
        #expect(p99 >= 0.100 && p99 <= 0.101 * (1 + 1.0 / 64))
    }

    @Test func takeSnapshotStartsANewIntervalButKeepsTheLastNotification() {
        var stats = LagStats()
        let t0 = ContinuousClock.now
        stats.recordNotification(at: t0)
        stats.recordBatch(size: 3)
        stats.recordSynced(3)
        stats.recordLag(seconds: 0.004)
        let first = stats.takeSnapshot(now: t0 + .seconds(1))
        #expect(first.synced == 3)
        let second = stats.takeSnapshot(now: t0 + .seconds(61))
        #expect(second == LagStats.Snapshot(synced: 0, errors: 0, batches: 0, batchSizeMean: nil, batchSizeMax: 0, lagSamples: 0,
                                            lagP50: nil, lagP99: nil, lagMax: nil, sinceLastNotification: .seconds(61)))
        #expect(LagStats().snapshot(now: t0).sinceLastNotification == nil)
    }

    @Test func statsLineMetadata() {
        let s = LagStats.Snapshot(synced: 1200, errors: 3, batches: 40, batchSizeMean: 30, batchSizeMax: 120, lagSamples: 1200,
                                  lagP50: .microseconds(3_240), lagP99: .microseconds(18_960), lagMax: .milliseconds(95),
                                  sinceLastNotification: .milliseconds(1_250))
        #expect(StatsLine.metadata(s).mapValues(\.description) == [
            "stats.synced": "1200",
            "stats.errors": "3",
            "stats.batches": "40",
            "stats.batch_size_mean": "30.0",
            "stats.batch_size_max": "120",
            "stats.lag_samples": "1200",
            "stats.lag_p50_ms": "3.2",
            "stats.lag_p99_ms": "19.0",
            "stats.lag_max_ms": "95.0",
            "stats.since_last_notification_s": "1.3",
        ])
    }

    @Test func statsLineOmitsWhatIsUnknown() {
        let m = StatsLine.metadata(LagStats().snapshot(now: .now))
        #expect(m["stats.synced"]?.description == "0")
        #expect(m["stats.batch_size_mean"]?.description == "0.0")
        #expect(m["stats.lag_p50_ms"] == nil)
        #expect(m["stats.lag_p99_ms"] == nil)
        #expect(m["stats.lag_max_ms"] == nil)
        #expect(m["stats.since_last_notification_s"] == nil)
    }

    @Test func statsLineAsLogfmt() {
        let capture = LogLineCapture()
        let log = Logger(label: "t") { LogfmtLogHandler(label: $0, writer: capture.writer, clock: LogClock { (0, 0) }) }
        let s = LagStats.Snapshot(synced: 5, errors: 0, batches: 1, batchSizeMean: 5, batchSizeMax: 5, lagSamples: 5,
                                  lagP50: .milliseconds(2), lagP99: .milliseconds(4), lagMax: .milliseconds(4), sinceLastNotification: .seconds(2))
        StatsLine.log(s, to: log)
        #expect(capture.lines == [
            "ts=1970-01-01T00:00:00.000Z level=info msg=\"stats\" stats.batch_size_max=5 stats.batch_size_mean=5.0 stats.batches=1"
                + " stats.errors=0 stats.lag_max_ms=4.0 stats.lag_p50_ms=2.0 stats.lag_p99_ms=4.0 stats.lag_samples=5"
                + " stats.since_last_notification_s=2.0 stats.synced=5\n",
        ])
    }

    @Test func statsLineAsJSONHasNumbers() throws {
        let capture = LogLineCapture()
        let log = Logger(label: "t") { JSONLogHandler(label: $0, writer: capture.writer, clock: LogClock { (0, 0) }) }
        let s = LagStats.Snapshot(synced: 5, errors: 0, batches: 1, batchSizeMean: 5, batchSizeMax: 5, lagSamples: 5,
                                  lagP50: .milliseconds(2), lagP99: .microseconds(4_250), lagMax: .milliseconds(4), sinceLastNotification: nil)
        StatsLine.log(s, to: log)
        #expect(capture.lines == [
            "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\",\"msg\":\"stats\",\"stats.batch_size_max\":5,\"stats.batch_size_mean\":5.0,"
                + "\"stats.batches\":1,\"stats.errors\":0,\"stats.lag_max_ms\":4.0,\"stats.lag_p50_ms\":2.0,\"stats.lag_p99_ms\":4.3,"
                + "\"stats.lag_samples\":5,\"stats.synced\":5}\n",
        ])
    }

    @Test func decimalFormatting() {
        #expect(StatsLine.decimal(0, places: 1) == "0.0")
        #expect(StatsLine.decimal(3.24, places: 1) == "3.2")
        #expect(StatsLine.decimal(3.26, places: 1) == "3.3")
        #expect(StatsLine.decimal(12.05, places: 2) == "12.05")
        #expect(StatsLine.decimal(7.9, places: 0) == "8")
        #expect(StatsLine.decimal(.infinity, places: 1) == "0")
    }
}

@Suite struct StatsDocumentationTests {
    /// docs/deployment.md explains every key of the stats line.
    @Test func deploymentDocsListEveryStatsKey() throws {
        let doc = try ConfigTestSupport.readText("docs/deployment.md")
        let full = LagStats.Snapshot(synced: 1, errors: 1, batches: 1, batchSizeMean: 1, batchSizeMax: 1, lagSamples: 1,
                                     lagP50: .seconds(1), lagP99: .seconds(1), lagMax: .seconds(1), sinceLastNotification: .seconds(1))
        let keys = StatsLine.metadata(full).keys
        #expect(keys.count == 10)
        for key in keys {
            #expect(doc.contains("`\(key)`"), "docs/deployment.md does not explain \(key)")
        }
    }
}
