/// High availability (`[ha]`): any number of instances may run against one database; the one holding
/// the leader lock is active, the others stand by.
struct HASettings: Sendable, Equatable {
    /// Take part in the leader election (`enabled`). Off: this instance is always active, as before
    /// high availability existed (two such instances would both write; harmless, see docs/deployment.md,
    /// but twice the work).
    var enabled: Bool
    /// How often a standby tries to take the leader lock (`poll_ms`); a standby never waits on the lock.
    var pollInterval: Duration
    /// Largest `poll_ms` accepted: a standby slower than this would make a takeover slow.
    static let pollIntervalMax: Duration = .seconds(10)

    /// Creates the settings.
    /// - Parameters:
    ///   - enabled: default true: one instance alone takes the lock at once and works as without it; a second
    ///     instance started by mistake (or on purpose, on another host) stands by instead of writing too.
    ///   - pollInterval: default 1 s (the takeover bound is about this plus the time for the dead leader's
    ///     lock to go, see docs/deployment.md).
    init(enabled: Bool = true, pollInterval: Duration = .seconds(1)) {
        self.enabled = enabled
        self.pollInterval = pollInterval
    }
}
