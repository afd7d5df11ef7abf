/// How notifications are grouped into batches (`[sync]`).
struct BatchSettings: Sendable, Equatable {
    /// Most sessions per batch while following notifications (`batch_size`).
    var batchSize: Int
    /// How long the first notification of a batch may wait for more to join it (`batch_delay_ms`).
    var batchDelay: Duration
    /// Most sessions per batch while catching up after (re)connect and in `resync` (`catchup_batch_size`).
    var catchupBatchSize: Int
    /// Retries of a batch after a serialization failure or deadlock, before its sessions are
    /// written one by one (`max_retries`).
    var maxRetries: Int
    /// Most notifications received but not yet handed to the batcher (`max_pending_notifications`).
    /// Beyond it they are dropped and a catch-up syncs their sessions instead, so a burst (one
    /// UPDATE of a million sessions) costs bounded memory, not a buffer of every notification.
    var maxPendingNotifications: Int

    /// Creates batch settings.
    /// - Parameters:
    ///   - batchSize: default 500.
    ///   - batchDelay: default 2 ms.
    ///   - catchupBatchSize: default 1000.
    ///   - maxRetries: default 3.
    ///   - maxPendingNotifications: default 20,000 (about 4 MB of buffered notifications; at this
    ///     machine's measured 28,000 sessions/s, under a second of work).
    init(batchSize: Int = 500, batchDelay: Duration = .milliseconds(2), catchupBatchSize: Int = 1000, maxRetries: Int = 3,
         maxPendingNotifications: Int = 20_000) {
        self.batchSize = batchSize
        self.batchDelay = batchDelay
        self.catchupBatchSize = catchupBatchSize
        self.maxRetries = maxRetries
        self.maxPendingNotifications = maxPendingNotifications
    }
}
