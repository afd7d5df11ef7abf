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

    /// Creates batch settings.
    /// - Parameters:
    ///   - batchSize: default 500.
    ///   - batchDelay: default 2 ms.
    ///   - catchupBatchSize: default 1000.
    ///   - maxRetries: default 3.
    init(batchSize: Int = 500, batchDelay: Duration = .milliseconds(2), catchupBatchSize: Int = 1000, maxRetries: Int = 3) {
        self.batchSize = batchSize
        self.batchDelay = batchDelay
        self.catchupBatchSize = catchupBatchSize
        self.maxRetries = maxRetries
    }
}
