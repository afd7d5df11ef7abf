/// Exponential backoff with a cap and optional full jitter. A plain state machine:
/// no clock, no I/O, the randomness is injected, so it is testable without a database.
public struct ReconnectBackoff: Sendable {
    public let policy: ReconnectPolicy
    /// Failed attempts since the last `reset()`.
    public private(set) var attempts: Int = 0
    /// The un-jittered delay the next call will use, in seconds.
    private var currentSeconds: Double

    /// Creates a backoff at its initial state.
    public init(policy: ReconnectPolicy) {
        self.policy = policy
        self.currentSeconds = Self.seconds(policy.initial)
    }

    /// The delay before the next attempt; grows the delay for the one after.
    /// - Parameter random: the source for jitter.
    public mutating func nextDelay(random: inout some RandomNumberGenerator) -> Duration {
        let cap = max(0, Self.seconds(policy.maximum))
        let base = min(max(0, currentSeconds), cap)
        attempts += 1
        // Stop growing at the cap so the value never overflows to infinity.
        currentSeconds = min(base * max(1, policy.multiplier), cap)
        if currentSeconds == 0 { currentSeconds = min(Self.seconds(policy.initial), cap) }
        let chosen = policy.jitter && base > 0 ? Double.random(in: 0...base, using: &random) : base
        return .nanoseconds(Int64((chosen * 1e9).rounded()))
    }

    /// Back to the initial delay (after a connection that worked).
    public mutating func reset() {
        attempts = 0
        currentSeconds = Self.seconds(policy.initial)
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }
}
