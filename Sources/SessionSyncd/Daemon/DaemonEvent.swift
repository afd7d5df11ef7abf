import PGListen

/// Everything the `run` loop reacts to, funnelled into one stream so one task owns all state.
enum DaemonEvent: Sendable {
    /// From the LISTEN connection.
    case listener(PGListenerEvent)
    /// The listener's stream finished (after stop).
    case listenerEnded
    /// Notifications were dropped because `[sync] max_pending_notifications` were waiting
    /// (``NotificationBacklog``): a catch-up syncs their sessions.
    case notificationsDropped
    /// A batch deadline may have passed.
    case tick
    /// Process the next page of catch-up run `id` (stale ids are ignored).
    case catchUpPage(id: Int)
    /// Time for the periodic stats line.
    case stats
    /// Time for the status row (`[status] interval_s`).
    case status
    /// SIGTERM or SIGINT.
    case terminate(signal: Int32)
    /// SIGHUP.
    case reload
    /// Queue feed: run this drain or arm (``QueueFeed``).
    case queue(QueueFeed.Action)
    /// Queue feed: the deadline of the last wait may have passed.
    case queueTimer
    /// The leader lock made this instance active or standby (``InstanceRole`` is already set).
    case role(InstanceRole.Role)
    /// The leader lock's first attempt found it taken: this instance stands by (sd_notify `READY=1`).
    case standingBy
    /// The watchdog's ping interval has passed (``Watchdog``).
    case watchdog
    /// A LISTEN test notification may be overdue (``ListenCheck``).
    case listenProbeDue
}
