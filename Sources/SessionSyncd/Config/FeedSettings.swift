/// Which change feed tells the daemon what changed (`[source] feed`, `queue_poll_ms`).
struct FeedSettings: Sendable, Equatable {
    /// The two feeds; the raw value is the spelling in the file and in `session_syncd.setup_feed()`.
    enum Kind: String, Sendable, CaseIterable {
        /// A NOTIFY per changed row (simplest; every NOTIFYing commit takes PostgreSQL's cluster-wide notify lock).
        case notify
        /// A durable queue table drained by the daemon, with a debounced NOTIFY as wakeup (busy sites).
        case queue
    }

    /// The feed (`feed`).
    var kind: Kind
    /// Queue feed: the pause between two drains while the queue keeps giving entries; after an
    /// empty drain it doubles up to ``idlePollMax`` while the daemon waits for the wakeup NOTIFY (`queue_poll_ms`).
    var pollInterval: Duration

    /// Longest pause between two looks at an empty queue (a safety net: the wakeup NOTIFY normally comes first).
    static let idlePollMax: Duration = .seconds(1)
    /// Largest `queue_poll_ms` accepted.
    static let pollIntervalMax: Duration = .milliseconds(5)

    /// Creates feed settings.
    /// - Parameters:
    ///   - kind: default `.notify` (the design card).
    ///   - pollInterval: default 2 ms (as `[sync] batch_delay_ms`: it bounds the lag it adds); at most 5 ms.
    init(kind: Kind = .notify, pollInterval: Duration = .milliseconds(2)) {
        self.kind = kind
        self.pollInterval = pollInterval
    }
}
