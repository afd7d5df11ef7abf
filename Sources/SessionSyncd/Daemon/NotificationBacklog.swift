/// Bounds the notifications between the LISTEN connection and the run loop (``SyncEngine``).
///
/// The forwarding task counts each notification it passes on (``admit()``), the loop each one it
/// takes (``taken()``). Past `limit` the forwarder drops them instead of buffering: a bulk `UPDATE`
/// of a million sessions, or writers faster than the daemon, then costs bounded memory (measured
/// before: 1,000,000 updates in transactions of 10,000 left the daemon at 195 MiB VmRSS, all of it
/// the buffered notifications). The first drop of an episode answers ``Admission/firstDrop``: the
/// forwarder posts one `.notificationsDropped`, the loop logs it and requests a catch-up, which
/// syncs every session whose row differs from session_fields (the dropped ones included, since the
/// catch-up's reads start after their commits), and calls ``endEpisode()``.
///
/// `@unchecked Sendable`: the mutable counters are read and written only inside `lock.withLock`.
final class NotificationBacklog: @unchecked Sendable {
    /// What ``admit()`` decided.
    enum Admission: Equatable, Sendable {
        /// Pass it on.
        case admitted
        /// Drop it; the episode was already reported.
        case dropped
        /// Drop it and report the episode (one `.notificationsDropped`).
        case firstDrop
    }

    /// Most notifications passed on and not yet taken.
    let limit: Int
    private let lock = LogLock()
    private var pending = 0
    private var droppedInEpisode = 0
    private var episodeOpen = false

    /// Creates an empty backlog.
    /// - Parameter limit: `[sync] max_pending_notifications` (at least 1).
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The forwarder has a notification: pass it on (counted) or drop it.
    func admit() -> Admission {
        lock.withLock {
            if pending < limit {
                pending += 1
                return .admitted
            }
            droppedInEpisode += 1
            if episodeOpen { return .dropped }
            episodeOpen = true
            return .firstDrop
        }
    }

    /// The loop took a notification (never below zero: events of a replaced listener may still arrive).
    func taken() {
        lock.withLock { pending = max(0, pending - 1) }
    }

    /// The loop handled the episode's report: the next drop opens a new one.
    /// - Returns: how many notifications were dropped in it so far.
    func endEpisode() -> Int {
        lock.withLock {
            episodeOpen = false
            defer { droppedInEpisode = 0 }
            return droppedInEpisode
        }
    }

    /// Notifications passed on and not yet taken.
    var count: Int { lock.withLock { pending } }
}
