/// Whether LISTEN can work where the daemon is connected, as a plain state machine (no I/O):
/// the engine feeds it what it saw and does what it returns.
///
/// Two setups connect fine and then never deliver a notification:
/// - a **hot standby**: `pg_is_in_recovery()` is true on the query connection. The engine
///   refuses the connection and retries with its backoff (a promoted standby or a failover
///   of a multi-host conninfo then works); one error line per episode, not one per retry.
/// - a **pooler in transaction mode** (pgbouncer `pool_mode = transaction`): LISTEN runs on a
///   server connection that goes back to the pool after the statement, so nothing reaches the
///   listening client. After every `.listening` the engine sends a test notification on the
///   channel from its query connection; if it is not received within ``probeTimeout``, one
///   error line.
/// Either sets ``warning`` (the status row's `warning`, sd_notify `STATUS=`) until it clears.
struct ListenCheck: Sendable {
    /// How long a test notification may take before LISTEN is called broken.
    var probeTimeout: Duration
    /// The payload prefix of every instance's test notifications (never a session id: web.py's
    /// are hex digits). A notification with it is never treated as a session.
    static let probePrefix = "session-syncd:probe:"

    /// The status row's `warning`: why this instance cannot work (nil: nothing known).
    private(set) var warning: String?
    private var inRecovery = false
    private var poolerSuspected = false
    /// This instance's tokens are `<probePrefix><instance>:<n>`.
    private let instance: String
    private var sequence = 0
    /// The test notification awaited, and until when.
    private var pending: (payload: String, deadline: ContinuousClock.Instant)?

    static let standbyWarning = "connected to a hot standby (pg_is_in_recovery() is true): LISTEN and writes "
        + "cannot work there; connect to the primary (e.g. target_session_attrs=read-write in the conninfo)"
    static func poolerWarning(_ timeout: Duration) -> String {
        "LISTEN did not receive its own test notification within \(timeout.components.seconds) s: "
            + "a pooler in transaction mode (pgbouncer pool_mode = transaction) between the daemon and PostgreSQL? "
            + "Connect the daemon directly, or through a session-mode pool"
    }

    /// - Parameters:
    ///   - instance: this process's id (two instances never take each other's test notifications).
    ///   - probeTimeout: see ``probeTimeout``.
    init(instance: String, probeTimeout: Duration = .seconds(10)) {
        self.instance = instance
        self.probeTimeout = probeTimeout
    }

    /// What to do with a new query connection.
    enum ConnectVerdict: Equatable {
        /// Use it; `recovered`: the previous one was a hot standby (log that it is over).
        case use(recovered: Bool)
        /// Close it and retry after the backoff; `log`: first time in this episode (log the error).
        case refuse(log: Bool)
    }

    /// A query connection answered `pg_is_in_recovery()`.
    mutating func connected(inRecovery now: Bool) -> ConnectVerdict {
        defer { inRecovery = now; updateWarning() }
        if now { return .refuse(log: !inRecovery) }
        return .use(recovered: inRecovery)
    }

    /// LISTEN is active (a new `.listening`): the payload of the test notification to send now.
    mutating func listening(now: ContinuousClock.Instant) -> String {
        sequence += 1
        let payload = "\(Self.probePrefix)\(instance):\(sequence)"
        pending = (payload, now + probeTimeout)
        return payload
    }

    /// What a notification was.
    enum Received: Equatable {
        /// A session's (handle it).
        case session
        /// The test notification awaited; `recovered`: LISTEN had been called broken (log that it works).
        case probe(recovered: Bool)
        /// A test notification that is not awaited (another instance's, or an older one): ignore it.
        case otherProbe
    }

    /// A notification arrived on the LISTEN connection.
    mutating func received(payload: String) -> Received {
        guard payload.hasPrefix(Self.probePrefix) else { return .session }
        guard let pending, pending.payload == payload else { return .otherProbe }
        self.pending = nil
        let recovered = poolerSuspected
        poolerSuspected = false
        updateWarning()
        return .probe(recovered: recovered)
    }

    /// Time passed: true once, when the awaited test notification is overdue (log the error).
    mutating func check(now: ContinuousClock.Instant) -> Bool {
        guard let pending, now >= pending.deadline else { return false }
        self.pending = nil
        let first = !poolerSuspected
        poolerSuspected = true
        updateWarning()
        return first
    }

    /// The LISTEN connection was lost: the awaited test notification can no longer come
    /// (a new one is sent after the next `.listening`).
    mutating func disconnected() {
        pending = nil
    }

    /// When to call ``check(now:)`` next (nil: nothing awaited).
    var deadline: ContinuousClock.Instant? { pending?.deadline }

    private mutating func updateWarning() {
        if inRecovery {
            warning = Self.standbyWarning
        } else if poolerSuspected {
            warning = Self.poolerWarning(probeTimeout)
        } else {
            warning = nil
        }
    }
}
