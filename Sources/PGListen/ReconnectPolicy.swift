/// How reconnect delays grow.
public struct ReconnectPolicy: Sendable, Equatable {
    /// Delay before the first retry.
    public var initial: Duration
    /// Growth factor per failed attempt.
    public var multiplier: Double
    /// Cap on the delay.
    public var maximum: Duration
    /// Full jitter: the actual delay is uniform in 0...delay, so many clients that lost
    /// the same server do not reconnect in lockstep.
    public var jitter: Bool

    /// Creates a policy.
    /// - Parameters:
    ///   - initial: default 100 ms.
    ///   - multiplier: default 2 (values below 1 are treated as 1).
    ///   - maximum: default 30 s.
    ///   - jitter: default true (full jitter).
    public init(initial: Duration = .milliseconds(100), multiplier: Double = 2, maximum: Duration = .seconds(30), jitter: Bool = true) {
        self.initial = initial
        self.multiplier = multiplier
        self.maximum = maximum
        self.jitter = jitter
    }
}
