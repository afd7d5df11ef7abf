/// Which instance writes, as a state machine: inputs and the clock in, actions out; ``LeaderLock``
/// does the I/O on the lock connection and reports back.
///
/// The leader is whoever holds the leader lock table's lock on its own connection (``LeaderLock``).
/// A standby tries `LOCK TABLE ... NOWAIT` every ``pollInterval`` and never waits on the lock. The
/// leader proves every ``heartbeatInterval`` that the server still answers and that the lock is
/// still its own; between two proofs it watches the connection's socket, so a terminated backend
/// is seen at once. Losing the connection (or the lock) makes it a standby *before* anything else
/// (the first action), and it tries again after a reconnect.
struct LeaderElection: Sendable {
    /// Where the machine is.
    enum Phase: Sendable, Equatable {
        /// No lock connection (not yet, or lost): waiting to (re)connect.
        case disconnected
        /// Connected, the lock is someone else's.
        case standby
        /// Connected and holding the lock: this instance writes.
        case active
        /// ``stop()`` was called.
        case stopped
    }

    /// The backend holding the lock when a standby could not take it.
    struct Holder: Sendable, Equatable {
        /// Its server process id.
        var pid: Int32
        /// Its role (`pg_stat_activity.usename`); nil if not visible.
        var role: String?
    }

    /// What the lock loop does next, in order.
    enum Action: Sendable, Equatable {
        /// Open the lock connection; report ``connected(now:)`` or ``connectFailed(now:retryIn:)``.
        case connect
        /// `LOCK TABLE ... NOWAIT` (and, if refused, who holds it); report ``lockAttempt(acquired:holder:ownRole:now:)``.
        case tryLock
        /// A round trip proving the lock is still held; report ``heartbeat(held:now:)``.
        case heartbeat
        /// Watch the connection (or just sleep when there is none) until then; report ``tick(now:)``.
        case wait(until: ContinuousClock.Instant)
        /// This instance is the leader: start listening, catching up and writing.
        case becomeActive
        /// This instance is no longer the leader: stop writing now.
        case becomeStandby
        /// The lock is held by a backend of another role (not a daemon instance): log one error naming it.
        case reportForeignHolder(Holder)
        /// Close the lock connection (the server releases the lock with the session).
        case disconnect
    }

    /// How often a standby tries the lock.
    let pollInterval: Duration
    /// How often the leader proves it still holds the lock.
    let heartbeatInterval: Duration
    private(set) var phase: Phase = .disconnected
    /// The holder last reported, so that one holder is reported once.
    private var reportedHolder: Holder?

    /// Creates the machine.
    /// - Parameters:
    ///   - pollInterval: `[ha] poll_ms`.
    ///   - heartbeatInterval: half of `[listen] heartbeat_s` (the listener's own heartbeat period).
    init(pollInterval: Duration, heartbeatInterval: Duration) {
        self.pollInterval = max(pollInterval, .milliseconds(10))
        self.heartbeatInterval = max(heartbeatInterval, .milliseconds(50))
    }

    /// Whether this instance may write.
    var isActive: Bool { phase == .active }

    /// The first input.
    mutating func start() -> [Action] {
        phase == .stopped ? [] : [.connect]
    }

    /// The lock connection is open.
    mutating func connected(now: ContinuousClock.Instant) -> [Action] {
        guard phase != .stopped else { return [.disconnect] }
        phase = .standby
        return [.tryLock]
    }

    /// Connecting failed; `retryIn` comes from the caller's backoff.
    mutating func connectFailed(now: ContinuousClock.Instant, retryIn: Duration) -> [Action] {
        guard phase != .stopped else { return [] }
        phase = .disconnected
        return [.wait(until: now + retryIn)]
    }

    /// The result of ``Action/tryLock``.
    /// - Parameters:
    ///   - acquired: whether the lock is now ours.
    ///   - holder: if not, the backend holding it (nil if it was released meanwhile).
    ///   - ownRole: this instance's role (`session_user`): a holder of another role is not a daemon instance.
    mutating func lockAttempt(acquired: Bool, holder: Holder?, ownRole: String, now: ContinuousClock.Instant) -> [Action] {
        guard phase != .stopped else { return [.disconnect] }
        if acquired {
            phase = .active
            reportedHolder = nil
            return [.becomeActive, .wait(until: now + heartbeatInterval)]
        }
        phase = .standby
        var actions: [Action] = []
        if let holder, holder.role != ownRole, holder != reportedHolder {
            reportedHolder = holder
            actions.append(.reportForeignHolder(holder))
        }
        actions.append(.wait(until: now + pollInterval))
        return actions
    }

    /// The result of ``Action/heartbeat``: the server answered; `held` says whether the lock is still ours.
    mutating func heartbeat(held: Bool, now: ContinuousClock.Instant) -> [Action] {
        guard phase != .stopped else { return [.disconnect] }
        if held, phase == .active { return [.wait(until: now + heartbeatInterval)] }
        let wasActive = phase == .active
        phase = .standby
        return (wasActive ? [.becomeStandby] : []) + [.wait(until: now + pollInterval)]
    }

    /// The lock connection failed (during a wait, a query, or a heartbeat that timed out).
    mutating func connectionLost(now: ContinuousClock.Instant, retryIn: Duration) -> [Action] {
        guard phase != .stopped else { return [] }
        let wasActive = phase == .active
        phase = .disconnected
        return (wasActive ? [.becomeStandby] : []) + [.disconnect, .wait(until: now + retryIn)]
    }

    /// The instant of the last ``Action/wait(until:)`` has come.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .disconnected: return [.connect]
        case .standby: return [.tryLock]
        case .active: return [.heartbeat]
        case .stopped: return []
        }
    }

    /// Shutdown: stop writing (if active), then close the connection so a standby takes over at once.
    mutating func stop() -> [Action] {
        let wasActive = phase == .active
        let wasConnected = phase != .disconnected && phase != .stopped
        phase = .stopped
        return (wasActive ? [.becomeStandby] : []) + (wasConnected ? [.disconnect] : [])
    }
}
