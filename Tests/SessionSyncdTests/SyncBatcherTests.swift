import Testing
@testable import SessionSyncd

@Suite struct SyncBatcherTests {
    let t0 = ContinuousClock.now

    @Test func firstIdWaitsForTheDelayThenFlushes() {
        var b = SyncBatcher(maxBatchSize: 10, maxDelay: .milliseconds(5))
        #expect(b.tick(now: t0) == .idle)
        #expect(b.add("a", now: t0) == .waitUntil(t0 + .milliseconds(5)))
        #expect(b.add("b", now: t0 + .milliseconds(3)) == .waitUntil(t0 + .milliseconds(5)))
        #expect(b.tick(now: t0 + .milliseconds(4)) == .waitUntil(t0 + .milliseconds(5)))
        #expect(b.tick(now: t0 + .milliseconds(5)) == .flushNow)
        #expect(b.takeBatch().map(\.key) == ["a", "b"])
        #expect(b.tick(now: t0 + .milliseconds(6)) == .idle)
        #expect(b.pendingCount == 0)
    }

    @Test func duplicatesCoalesceAndKeepTheirFirstArrival() {
        var b = SyncBatcher(maxBatchSize: 10, maxDelay: .milliseconds(5))
        _ = b.add("a", now: t0)
        _ = b.add("b", now: t0 + .milliseconds(1))
        _ = b.add("a", now: t0 + .milliseconds(2))
        #expect(b.pendingCount == 2)
        let batch = b.takeBatch()
        #expect(batch == [SyncBatcher.Entry(key: "a", receivedAt: t0), SyncBatcher.Entry(key: "b", receivedAt: t0 + .milliseconds(1))])
    }

    @Test func fullBatchFlushesAtOnceAndTheRestWaitsItsTurn() {
        var b = SyncBatcher(maxBatchSize: 3, maxDelay: .seconds(1))
        _ = b.add("a", now: t0)
        _ = b.add("b", now: t0)
        #expect(b.add("c", now: t0) == .flushNow)
        _ = b.add("d", now: t0 + .milliseconds(1))
        #expect(b.takeBatch().map(\.key) == ["a", "b", "c"])
        #expect(b.tick(now: t0 + .milliseconds(2)) == .waitUntil(t0 + .milliseconds(1) + .seconds(1)))
        #expect(b.takeBatch().map(\.key) == ["d"])
    }

    @Test func anIdNotifiedWhileItsBatchIsInFlightIsQueuedAgain() {
        var b = SyncBatcher(maxBatchSize: 10, maxDelay: .zero)
        _ = b.add("a", now: t0)
        let first = b.takeBatch()
        #expect(first.map(\.key) == ["a"])
        #expect(b.add("a", now: t0 + .milliseconds(1)) == .flushNow)
        #expect(b.takeBatch().map(\.key) == ["a"])
    }

    @Test func requeuedBatchGoesFirstWithItsArrivalTimesAndNoDuplicates() {
        var b = SyncBatcher(maxBatchSize: 10, maxDelay: .milliseconds(5))
        _ = b.add("a", now: t0)
        _ = b.add("b", now: t0)
        let failed = b.takeBatch()
        _ = b.add("c", now: t0 + .milliseconds(2))
        _ = b.add("a", now: t0 + .milliseconds(3))
        b.requeue(failed)
        let again = b.takeBatch()
        #expect(again.map(\.key) == ["b", "c", "a"])
        #expect(again.first { $0.key == "a" }?.receivedAt == t0 + .milliseconds(3))
        #expect(again.first { $0.key == "b" }?.receivedAt == t0)
    }

    @Test func manyIdsComeOutInArrivalOrderInBoundedBatches() {
        var b = SyncBatcher(maxBatchSize: 100, maxDelay: .milliseconds(2))
        for i in 0..<10_000 { _ = b.add("k\(i % 7_000)", now: t0) }
        var seen: [String] = []
        while b.pendingCount > 0 {
            let batch = b.takeBatch()
            #expect(batch.count <= 100)
            seen += batch.map(\.key)
        }
        #expect(seen == (0..<7_000).map { "k\($0)" })
    }
}
