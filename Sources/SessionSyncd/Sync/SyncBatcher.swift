/// Groups notified session ids into batches: duplicates coalesce, a batch is
/// released when it is full or when its oldest id has waited `maxDelay`.
///
/// A plain state machine: the caller feeds it ids and clock readings and acts
/// on the returned ``Action``; no I/O, no timers, testable without a database.
struct SyncBatcher: Sendable {
    typealias Instant = ContinuousClock.Instant

    /// What the caller should do next.
    enum Action: Sendable, Equatable {
        /// Nothing is pending.
        case idle
        /// Take a batch now (``takeBatch()``).
        case flushNow
        /// Call ``tick(now:)`` at this instant (or when more ids arrive).
        case waitUntil(Instant)
    }

    /// One pending session and when it was first notified (for the lag figure).
    struct Entry: Sendable, Equatable {
        var key: String
        var receivedAt: Instant
    }

    /// Most ids per batch.
    var maxBatchSize: Int
    /// Longest time the first id of a batch waits for others.
    var maxDelay: Duration

    private var receivedAt: [String: Instant] = [:]
    private var order: [String] = []
    private var head = 0

    /// Creates an empty batcher.
    /// - Parameters:
    ///   - maxBatchSize: most ids per batch (at least 1).
    ///   - maxDelay: longest wait of a batch's first id.
    init(maxBatchSize: Int, maxDelay: Duration) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxDelay = maxDelay
    }

    /// Ids waiting (duplicates counted once).
    var pendingCount: Int { order.count - head }

    /// Adds a notified id; a duplicate of a pending id keeps its first arrival time.
    /// - Parameters:
    ///   - key: the session id.
    ///   - now: the current time.
    mutating func add(_ key: String, now: Instant) -> Action {
        if receivedAt[key] == nil {
            receivedAt[key] = now
            order.append(key)
        }
        return tick(now: now)
    }

    /// Puts back entries of a batch that could not be written, keeping their arrival times.
    /// - Parameter entries: the batch, as ``takeBatch()`` returned it.
    mutating func requeue(_ entries: [Entry]) {
        var front: [String] = []
        for e in entries where receivedAt[e.key] == nil {
            receivedAt[e.key] = e.receivedAt
            front.append(e.key)
        }
        if !front.isEmpty {
            order = front + order[head...]
            head = 0
        }
    }

    /// Decides whether the pending ids form a batch now.
    /// - Parameter now: the current time.
    func tick(now: Instant) -> Action {
        guard head < order.count, let first = receivedAt[order[head]] else { return .idle }
        if pendingCount >= maxBatchSize { return .flushNow }
        let deadline = first.advanced(by: maxDelay)
        return now >= deadline ? .flushNow : .waitUntil(deadline)
    }

    /// Removes and returns up to ``maxBatchSize`` ids, oldest first.
    mutating func takeBatch() -> [Entry] {
        let end = min(order.count, head + maxBatchSize)
        var batch: [Entry] = []
        batch.reserveCapacity(end - head)
        for key in order[head..<end] {
            if let t = receivedAt.removeValue(forKey: key) { batch.append(Entry(key: key, receivedAt: t)) }
        }
        head = end
        if head == order.count {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            order.removeFirst(head)
            head = 0
        }
        return batch
    }
}
