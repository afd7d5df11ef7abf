/// When to send `WATCHDOG=1`, as a state machine: inputs and the clock in, actions out; the engine
/// does the I/O.
///
/// The rule: a ping only after a real database round trip on the working (query) connection succeeded
/// within the last ping interval. Batches, catch-up pages and queue drains are such round trips; when
/// none happened (an idle daemon), the engine runs a probe (`SELECT 1`) on the same connection, from
/// its one event loop. So a daemon stuck in a batch never gets to the timer's event, a probe on a dead
/// or stopped server never answers, and either way no ping is sent and systemd restarts the service.
struct Watchdog: Sendable {
    /// What to do when the ping interval has passed.
    enum Action: Sendable, Equatable {
        /// Send `WATCHDOG=1` now.
        case ping
        /// Run a round trip on the query connection, then report ``probeFinished(succeeded:now:)``.
        case probe
        /// Nothing (a probe failed: no ping this interval).
        case none
    }

    /// The ping interval (half of `WATCHDOG_USEC`).
    let interval: Duration
    /// The last successful round trip on the query connection.
    private(set) var lastRoundTrip: ContinuousClock.Instant?
    /// The last ping sent.
    private(set) var lastPing: ContinuousClock.Instant?

    /// Creates the machine.
    /// - Parameter interval: how often the timer fires (``WatchdogSettings/pingInterval``).
    init(interval: Duration) {
        self.interval = interval
    }

    /// A read or write on the query connection succeeded.
    mutating func roundTripSucceeded(at now: ContinuousClock.Instant) {
        lastRoundTrip = now
    }

    /// The timer fired: ping if a round trip succeeded within the last interval, else probe.
    mutating func intervalElapsed(now: ContinuousClock.Instant) -> Action {
        if let last = lastRoundTrip, now - last <= interval {
            lastPing = now
            return .ping
        }
        return .probe
    }

    /// The probe's outcome: a ping after a success, nothing after a failure.
    mutating func probeFinished(succeeded: Bool, now: ContinuousClock.Instant) -> Action {
        guard succeeded else { return .none }
        lastRoundTrip = now
        lastPing = now
        return .ping
    }
}
