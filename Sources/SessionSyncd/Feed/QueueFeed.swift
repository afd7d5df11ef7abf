/// When the daemon looks at the queue (the queue feed's wakeup), as a state machine: inputs and
/// the clock in, one action out; the engine does the I/O and reports back.
///
/// While drains keep finding entries the daemon drains again after ``FeedSettings/pollInterval``
/// (at once when a drain was full), so under load no writer ever NOTIFYs. The first empty drain
/// arms the wakeup flag and looks once more (a write committed before the flag was set is found
/// then); after that the looks back off (doubling up to ``FeedSettings/idlePollMax``) and the
/// first writer after the idle period sends the one NOTIFY that ends the wait. The looks while
/// idle cover a writer that read the flag just before it was set and committed just after the
/// last look.
struct QueueFeed: Sendable {
    /// What the engine does next.
    enum Action: Sendable, Equatable {
        /// Drain: read up to a batch of entries, write their sessions, report ``drained(entries:limit:now:)``.
        case drain
        /// Set the wakeup flag, then report ``armed(now:)``.
        case arm
        /// Report ``timer(now:)`` at this instant (unless something else comes first).
        case wait(until: ContinuousClock.Instant)
        /// Nothing to do until the next input.
        case none
    }

    let pollInterval: Duration
    let idlePollMax: Duration
    /// A drain or an arm is running: further inputs only make sure another drain follows.
    private(set) var busy = false
    /// Whether the flag is believed set (a NOTIFY says a writer has cleared it).
    private(set) var armed = false
    /// The instant the engine was asked to report back at, if any.
    private(set) var deadline: ContinuousClock.Instant?
    /// An input arrived while busy: drain again at once when the running step ends.
    private var pending = false
    /// Consecutive empty drains since the last entry.
    private var emptyDrains = 0

    /// Creates the state machine.
    /// - Parameters:
    ///   - pollInterval: the pause between drains while the queue gives entries (`[source] queue_poll_ms`).
    ///   - idlePollMax: the longest pause between looks at an empty queue.
    init(pollInterval: Duration, idlePollMax: Duration = FeedSettings.idlePollMax) {
        self.pollInterval = pollInterval
        self.idlePollMax = max(idlePollMax, pollInterval)
    }

    /// LISTEN is active (first connect, every reconnect): the flag's state is unknown; drain.
    mutating func listening() -> Action {
        armed = false
        emptyDrains = 0
        return start()
    }

    /// A NOTIFY arrived: a writer found the flag set and cleared it.
    mutating func notified() -> Action {
        armed = false
        emptyDrains = 0
        return start()
    }

    /// The deadline of a ``Action/wait(until:)`` may have passed.
    mutating func timer(now: ContinuousClock.Instant) -> Action {
        guard !busy, let d = deadline, now >= d else { return .none }
        return start()
    }

    /// A drain ended having read `entries` entries (at most `limit`).
    mutating func drained(entries: Int, limit: Int, now: ContinuousClock.Instant) -> Action {
        busy = false
        if entries >= limit || pending { return start() }
        if entries > 0 {
            emptyDrains = 0
            return wait(now + pollInterval)
        }
        if !armed {
            busy = true
            return .arm
        }
        emptyDrains += 1
        var pause = pollInterval
        for _ in 0..<min(emptyDrains, 20) where pause < idlePollMax { pause = pause * 2 }
        return wait(now + min(pause, idlePollMax))
    }

    /// The flag is set: look once more (a write may have committed just before).
    mutating func armed(now: ContinuousClock.Instant) -> Action {
        busy = false
        armed = true
        return start()
    }

    /// A drain or an arm failed (the engine has dropped or backed off the connection): try again after a pause.
    mutating func failed(now: ContinuousClock.Instant) -> Action {
        busy = false
        armed = false
        pending = false
        return wait(now + pollInterval)
    }

    private mutating func start() -> Action {
        if busy {
            pending = true
            return .none
        }
        busy = true
        pending = false
        deadline = nil
        return .drain
    }

    private mutating func wait(_ until: ContinuousClock.Instant) -> Action {
        deadline = until
        return .wait(until: until)
    }
}
