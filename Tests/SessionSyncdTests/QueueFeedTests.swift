import Testing
@testable import SessionSyncd

/// The queue feed's wakeup logic, without a database.
@Suite struct QueueFeedTests {
    let t0 = ContinuousClock.now
    let poll = Duration.milliseconds(2)

    @Test func underLoadItDrainsAgainAfterThePollIntervalAndAtOnceWhenFull() {
        var f = QueueFeed(pollInterval: poll)
        #expect(f.listening() == .drain)
        #expect(f.drained(entries: 500, limit: 500, now: t0) == .drain)
        #expect(f.drained(entries: 3, limit: 500, now: t0) == .wait(until: t0 + poll))
        #expect(f.timer(now: t0 + .milliseconds(1)) == .none, "not yet due")
        #expect(f.timer(now: t0 + poll) == .drain)
        #expect(f.timer(now: t0 + poll) == .none, "a stale timer while draining starts nothing")
    }

    @Test func theFirstEmptyDrainArmsAndLooksOnceMoreThenBacksOffToTheIdleMaximum() {
        var f = QueueFeed(pollInterval: poll, idlePollMax: .milliseconds(100))
        _ = f.listening()
        #expect(f.drained(entries: 0, limit: 500, now: t0) == .arm)
        #expect(f.armed(now: t0) == .drain, "a write committed just before the flag was set is found")
        var now = t0
        var pauses: [Duration] = []
        for _ in 0..<10 {
            guard case .wait(let until) = f.drained(entries: 0, limit: 500, now: now) else {
                Issue.record("expected a wait"); return
            }
            pauses.append(until - now)
            now = until
            #expect(f.timer(now: now) == .drain)
        }
        #expect(pauses == [4, 8, 16, 32, 64, 100, 100, 100, 100, 100].map { Duration.milliseconds($0) })
        #expect(f.armed)
    }

    @Test func aNotifyEndsTheIdleWaitAndDisarms() {
        var f = QueueFeed(pollInterval: poll)
        _ = f.listening()
        _ = f.drained(entries: 0, limit: 500, now: t0)
        _ = f.armed(now: t0)
        _ = f.drained(entries: 0, limit: 500, now: t0)
        #expect(f.notified() == .drain)
        #expect(!f.armed)
        // Found entries, then empty again: the flag is re-armed (the writer cleared it).
        #expect(f.drained(entries: 1, limit: 500, now: t0) == .wait(until: t0 + poll))
        #expect(f.timer(now: t0 + poll) == .drain)
        #expect(f.drained(entries: 0, limit: 500, now: t0 + poll) == .arm)
    }

    @Test func inputsWhileBusyStartOneMoreDrainWhenTheStepEnds() {
        var f = QueueFeed(pollInterval: poll)
        #expect(f.listening() == .drain)
        #expect(f.notified() == .none)
        #expect(f.notified() == .none)
        #expect(f.drained(entries: 1, limit: 500, now: t0) == .drain, "the NOTIFY during the drain is not lost")
        #expect(f.drained(entries: 0, limit: 500, now: t0) == .arm)
        #expect(f.notified() == .none, "arm running")
        #expect(f.armed(now: t0) == .drain)
        #expect(f.armed)
    }

    @Test func aFailureRetriesAfterAPauseAndForgetsTheFlag() {
        var f = QueueFeed(pollInterval: poll)
        _ = f.listening()
        _ = f.drained(entries: 0, limit: 500, now: t0)
        _ = f.armed(now: t0)
        #expect(f.failed(now: t0) == .wait(until: t0 + poll))
        #expect(!f.armed)
        #expect(f.timer(now: t0 + poll) == .drain)
        #expect(f.drained(entries: 0, limit: 500, now: t0) == .arm, "after a failure the flag is set again")
    }

    @Test func aReconnectRestartsWithADrainEvenWhileWaiting() {
        var f = QueueFeed(pollInterval: poll)
        _ = f.listening()
        _ = f.drained(entries: 2, limit: 500, now: t0)
        #expect(f.listening() == .drain)
        #expect(f.timer(now: t0 + .seconds(5)) == .none, "the older wait is void")
    }
}
