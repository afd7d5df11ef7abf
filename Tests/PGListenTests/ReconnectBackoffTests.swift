import Testing
@testable import PGListen

/// Deterministic generator for jitter tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func growsExponentiallyUpToTheCap() {
        var backoff = ReconnectBackoff(policy: ReconnectPolicy(
            initial: .milliseconds(100), multiplier: 2, maximum: .seconds(1), jitter: false))
        var rng = SeededGenerator(state: 1)
        let delays = (0..<8).map { _ in backoff.nextDelay(random: &rng) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                           .seconds(1), .seconds(1), .seconds(1), .seconds(1)])
        #expect(backoff.attempts == 8)
    }

    @Test func resetStartsOver() {
        var backoff = ReconnectBackoff(policy: ReconnectPolicy(jitter: false))
        var rng = SeededGenerator(state: 2)
        _ = backoff.nextDelay(random: &rng)
        _ = backoff.nextDelay(random: &rng)
        backoff.reset()
        #expect(backoff.attempts == 0)
        #expect(backoff.nextDelay(random: &rng) == .milliseconds(100))
    }

    @Test func fullJitterStaysWithinZeroAndTheBase() {
        var backoff = ReconnectBackoff(policy: ReconnectPolicy(
            initial: .milliseconds(100), multiplier: 2, maximum: .seconds(30), jitter: true))
        var rng = SeededGenerator(state: 3)
        var base = 0.1
        var sawDifferentFromBase = false
        for _ in 0..<40 {
            let d = backoff.nextDelay(random: &rng)
            let seconds = ReconnectBackoff.seconds(d)
            #expect(seconds >= 0 && seconds <= base + 1e-9)
            if abs(seconds - base) > 1e-6 { sawDifferentFromBase = true }
            base = min(base * 2, 30)
        }
        #expect(sawDifferentFromBase)
    }

    @Test func neverOverflowsWithHugeMultiplier() {
        var backoff = ReconnectBackoff(policy: ReconnectPolicy(
            initial: .seconds(1), multiplier: 1e300, maximum: .seconds(5), jitter: false))
        var rng = SeededGenerator(state: 4)
        for _ in 0..<10 { _ = backoff.nextDelay(random: &rng) }
        #expect(backoff.nextDelay(random: &rng) == .seconds(5))
    }

    @Test func defaultPolicyMatchesTheContract() {
        let p = ReconnectPolicy()
        #expect(p.initial == .milliseconds(100) && p.multiplier == 2 && p.maximum == .seconds(30) && p.jitter)
        let c = PGListenerConfiguration(channels: ["a"])
        #expect(c.heartbeatTimeout == .seconds(10))
    }
}
