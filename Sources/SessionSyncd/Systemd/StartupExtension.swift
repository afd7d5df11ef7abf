/// When to send `EXTEND_TIMEOUT_USEC=` during startup, as a state machine (no I/O): a long first
/// catch-up (millions of pending sessions) may take longer than systemd's `TimeoutStartSec=`
/// (90 s by default); each catch-up page written is progress, and progress extends the start
/// timeout by ``extendBy`` at most every ``period``. A catch-up that stops making progress stops
/// extending, so systemd's timeout still ends a start that hangs. After `READY=1`: nothing.
struct StartupExtension: Sendable {
    /// At most one extension per period.
    static let period: Duration = .seconds(5)
    /// How long each extension gives (from when systemd receives it): several periods, so a slow page
    /// or a busy machine does not end the start, yet a hung one is killed within this bound.
    static let extendBy: Duration = .seconds(30)

    /// When the last extension was sent.
    private(set) var lastSent: ContinuousClock.Instant?
    /// `READY=1` was sent: startup is over.
    private(set) var finished = false

    /// A catch-up page was written before `READY=1`: the extension to send now, or nil.
    mutating func progressed(now: ContinuousClock.Instant) -> Duration? {
        guard !finished else { return nil }
        if let last = lastSent, now - last < Self.period { return nil }
        lastSent = now
        return Self.extendBy
    }

    /// `READY=1` was sent.
    mutating func ready() {
        finished = true
    }
}
