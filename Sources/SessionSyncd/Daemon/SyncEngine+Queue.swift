import Foundation
import Logging
import PGListen

/// The queue feed: carry out what ``QueueFeed`` decides, one step per event so that signals,
/// catch-up pages and reloads interleave with a long drain.
extension SyncEngine {
    /// Starts what `action` says: a drain or an arm as the next event, a wait as a timer.
    func schedule(_ action: QueueFeed.Action) {
        switch action {
        case .none:
            return
        case .drain, .arm:
            continuation.yield(.queue(action))
        case .wait(let until):
            let cont = continuation
            Task {
                try? await Task.sleep(until: until, clock: .continuous)
                cont.yield(.queueTimer)
            }
        }
    }

    /// Runs one drain or arm and schedules what follows.
    func queueStep(_ action: QueueFeed.Action) async {
        guard queueFeed != nil else { return }
        switch action {
        case .drain: schedule(await drainQueue())
        case .arm: schedule(await armQueue())
        case .wait, .none: schedule(action)
        }
    }

    /// Reads the oldest entries, writes their sessions and deletes the entries in the same transactions.
    private func drainQueue() async -> QueueFeed.Action {
        guard mayWrite else { return .none }  // standby: the entries wait for the leader
        guard let queue, let pipeline, let conn = await queryConnection() else { return queueFeed!.failed(now: .now) }
        let limit = max(1, configuration.batch.batchSize)
        do {
            let claim = try await queue.claim(limit: limit, on: conn)
            if !claim.keys.isEmpty {
                let received = ContinuousClock.now
                stats.recordNotification(at: received)
                let result = try await pipeline.sync(keys: claim.keys, acknowledging: claim.ack, on: conn, logger: logger)
                let committed = ContinuousClock.now
                backoff.reset()
                for _ in claim.keys { stats.recordLag(committed - received) }
                record(batchSize: claim.keys.count, result)
                logger.debug("queue batch synced", metadata: [
                    "sync.batch_size": "\(claim.keys.count)", "sync.queue_entries": "\(claim.entries)",
                    "sync.written": "\(result.written)", "sync.errors": "\(result.problems)",
                ])
            }
            return queueFeed!.drained(entries: claim.entries, limit: limit, now: .now)
        } catch {
            await dropConnection(after: error)
            return queueFeed!.failed(now: .now)
        }
    }

    /// Sets the wakeup flag.
    private func armQueue() async -> QueueFeed.Action {
        guard mayWrite else { return .none }
        guard let queue, let conn = await queryConnection() else { return queueFeed!.failed(now: .now) }
        do {
            try await queue.arm(on: conn)
            return queueFeed!.armed(now: .now)
        } catch {
            await dropConnection(after: error)
            return queueFeed!.failed(now: .now)
        }
    }
}
