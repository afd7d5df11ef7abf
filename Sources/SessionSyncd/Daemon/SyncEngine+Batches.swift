import Foundation
import Logging
import PGListen

/// Batches: flush what is due, arm the timer for the next deadline.
extension SyncEngine {
    /// Writes every batch that is due, then arms the timer for the next deadline.
    func flushDue() async {
        while !shutdown.isRequested {
            switch batcher.tick(now: .now) {
            case .idle:
                return
            case .flushNow:
                await flush(batcher.takeBatch())
            case .waitUntil(let deadline):
                if armedDeadline == nil || deadline < armedDeadline! {
                    armedDeadline = deadline
                    let cont = continuation
                    Task {
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        cont.yield(.tick)
                    }
                }
                return
            }
        }
    }

    func flush(_ batch: [SyncBatcher.Entry]) async {
        guard !batch.isEmpty, let pipeline else { return }
        guard mayWrite else { return }  // standby: the leader's catch-up covers these sessions
        guard let conn = await queryConnection() else {
            batcher.requeue(batch)
            return
        }
        do {
            let result = try await pipeline.sync(keys: batch.map(\.key), on: conn, logger: logger)
            let committed = ContinuousClock.now
            backoff.reset()
            for e in batch { stats.recordLag(committed - e.receivedAt) }
            record(batchSize: batch.count, result)
            logger.debug("batch synced", metadata: [
                "sync.batch_size": "\(batch.count)", "sync.written": "\(result.written)", "sync.errors": "\(result.problems)",
            ])
        } catch {
            await dropConnection(after: error)
            batcher.requeue(batch)
        }
    }

    /// Counts a batch that completed: its round trips on the query connection succeeded (``Watchdog``).
    func record(batchSize: Int, _ result: SyncPipeline.Result) {
        watchdog?.roundTripSucceeded(at: .now)
        stats.recordBatch(size: batchSize)
        stats.recordSynced(result.current)
        stats.recordErrors(result.problems)
    }
}
