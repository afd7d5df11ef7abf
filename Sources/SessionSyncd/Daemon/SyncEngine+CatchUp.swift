import Foundation
import Logging
import PGListen

/// Catch-up: every out-of-sync session, in keyset pages, after each (re)connect and reload.
extension SyncEngine {
    /// Progress of one catch-up run (keyset pagination by session id).
    struct CatchUp {
        var id: Int
        var active = false
        var after: String?
        var sessions = 0
        var started = ContinuousClock.now
    }

    func startCatchUp() {
        catchUp = CatchUp(id: catchUp.id + 1, active: true)
        continuation.yield(.catchUpPage(id: catchUp.id))
    }

    func catchUpPage() async {
        guard mayWrite else {
            catchUp.active = false
            return
        }
        guard let pipeline, let conn = await queryConnection() else { return }
        let limit = configuration.batch.catchupBatchSize
        do {
            let rows = try await pipeline.reader.page(after: catchUp.after, limit: limit, onlyOutOfSync: true,
                                                      mappingHash: pipeline.mappingHash, on: conn)
            let result = try await pipeline.sync(rows: rows, on: conn, logger: logger)
            record(batchSize: rows.count, result)
            catchUp.sessions += rows.count
            if rows.count == limit, let last = rows.last {
                catchUp.after = last.key
                continuation.yield(.catchUpPage(id: catchUp.id))
            } else {
                catchUp.active = false
                let took = ContinuousClock.now - catchUp.started
                logger.info("caught up", metadata: ["sync.sessions": "\(catchUp.sessions)", "sync.duration_ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)"])
                caughtUp()
            }
        } catch {
            await dropConnection(after: error)
            // Retry the same page once a connection is back.
            continuation.yield(.catchUpPage(id: catchUp.id))
        }
    }
}
