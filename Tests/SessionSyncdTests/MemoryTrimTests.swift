import Testing
@testable import SessionSyncd

@Suite struct MemoryTrimTests {
    let t0 = ContinuousClock.now

    @Test func trimsOnceIdleAfterWorkThenNotAgainWithinTheInterval() {
        var m = MemoryTrim(minimumInterval: .seconds(10))
        var said: [Bool] = []
        said.append(m.shouldTrim(idle: true, batches: 0, now: t0))                   // no work yet: nothing to give back
        said.append(m.shouldTrim(idle: false, batches: 5, now: t0))                  // busy: not now
        said.append(m.shouldTrim(idle: true, batches: 5, now: t0))                   // idle after work
        said.append(m.shouldTrim(idle: true, batches: 5, now: t0 + .seconds(60)))    // no work since the last trim
        said.append(m.shouldTrim(idle: true, batches: 9, now: t0 + .seconds(3)))     // within the interval
        said.append(m.shouldTrim(idle: true, batches: 9, now: t0 + .seconds(10)))    // the interval has passed
        #expect(said == [false, false, true, false, false, true])
    }

    @Test func aSteadyStreamTrimsAtMostOncePerInterval() {
        var m = MemoryTrim(minimumInterval: .seconds(10))
        var trims = 0
        for i in 0..<1_000 {  // a batch every 50 ms for 50 s, idle between batches
            let trim = m.shouldTrim(idle: true, batches: i + 1, now: t0 + .milliseconds(50 * i))
            if trim { trims += 1 }
        }
        #expect(trims == 5)
    }

    /// On this glibc system the lookup must find `malloc_trim`, or every trim would silently do nothing.
    @Test func mallocTrimIsFoundAndCallable() {
        #expect(MemoryTrim.isAvailable)
        MemoryTrim.trim()
    }
}
