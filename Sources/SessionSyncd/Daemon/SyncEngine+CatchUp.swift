import Foundation
import Logging
import PGListen

/// Catch-up: every out-of-sync session, in keyset pages, after each (re)connect and reload.
extension SyncEngine {
    /// Progress of one catch-up run (keyset pagination by session id).
    struct CatchUp {
        var id: Int
        var active = false
        /// The pages, read ahead and decoded while the previous one is written; nil until the first page.
        var scan: PageScan?
        var sessions = 0
        var started = ContinuousClock.now
        /// Asked for again while running: start over once this run ends.
        var again = false
        /// Reads the pages ahead while the query connection writes (``PageScan``); opened for the
        /// catch-up and closed when it ends or fails; nil: the query connection reads too.
        var reader: PGConnection?
        /// The reader could not be opened: this run reads on the query connection.
        var noReader = false
    }

    func startCatchUp() {
        catchUp.reader?.close()
        catchUp = CatchUp(id: catchUp.id + 1, active: true)
        continuation.yield(.catchUpPage(id: catchUp.id))
    }

    /// A notification without a session id (the notify feed's trigger sends one for an id over
    /// NOTIFY's 8000-byte payload limit): catch up now, or once the running catch-up is done
    /// (it may have passed that session's key already).
    func catchUpRequested() {
        if catchUp.active {
            catchUp.again = true
        } else {
            startCatchUp()
        }
    }

    func catchUpPage() async {
        guard mayWrite else {
            catchUp.active = false
            return
        }
        guard let pipeline, let conn = await queryConnection() else { return }
        var scan = catchUp.scan ?? PageScan(pipeline: pipeline, limit: configuration.batch.catchupBatchSize, onlyOutOfSync: true)
        if catchUp.reader == nil, !catchUp.noReader {
            catchUp.reader = await catchUpReader()
            catchUp.noReader = catchUp.reader == nil
        }
        do {
            let step = try await scan.next(on: conn, reading: catchUp.reader, logger: logger)
            catchUp.scan = scan
            if let step {
                record(batchSize: step.sessions, step.result)
                catchUp.sessions += step.sessions
                startupProgressed(sessions: catchUp.sessions)
            }
            if !scan.isDone {
                continuation.yield(.catchUpPage(id: catchUp.id))
            } else {
                catchUp.active = false
                endCatchUpReader()
                let took = ContinuousClock.now - catchUp.started
                logger.info("caught up", metadata: ["sync.sessions": "\(catchUp.sessions)", "sync.duration_ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)"])
                if catchUp.again { startCatchUp() }
                caughtUp()
            }
        } catch {
            // Retry after the last page written once a connection is back; what was read ahead is read again.
            scan.restart()
            catchUp.scan = scan
            endCatchUpReader()
            catchUp.noReader = false
            await dropConnection(after: error)
            continuation.yield(.catchUpPage(id: catchUp.id))
        }
    }

    /// A second connection for the catch-up's reads, with the query connection's timeouts; nil if it cannot be had
    /// (the catch-up then reads on the query connection: slower, nothing else changes).
    func catchUpReader() async -> PGConnection? {
        do {
            let conn = try await PGConnection.connect(connectionConfiguration, logger: logger)
            do {
                try await conn.execute(configuration.timeouts.sql)
            } catch {
                conn.close()
                return nil
            }
            return conn
        } catch {
            logger.debug("catch-up reads on the query connection", metadata: ["pg.error": "\(error.description)"])
            return nil
        }
    }

    /// Closes the catch-up's reader connection (if any).
    func endCatchUpReader() {
        catchUp.reader?.close()
        catchUp.reader = nil
    }
}
