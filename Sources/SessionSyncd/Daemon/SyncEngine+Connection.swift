import Foundation
import Logging
import PGListen

/// The query connection: connect with backoff, drop after a failure.
extension SyncEngine {
    /// The query connection, connecting (with backoff) if needed; nil only when shutting down.
    func queryConnection() async -> PGConnection? {
        if let connection { return connection }
        var rng = SystemRandomNumberGenerator()
        while !shutdown.isRequested {
            do {
                let conn = try await PGConnection.connect(connectionConfiguration, logger: logger)
                try await conn.execute(SyncPipeline.sessionSettings + "; " + configuration.timeouts.sql)
                if try await refuseHotStandby(conn) {
                    conn.close()
                    await waitBackoffReporting()
                    continue
                }
                connection = conn
                backoff.reset()
                return conn
            } catch {
                let delay = backoff.nextDelay(random: &rng)
                logger.warning("cannot connect; retrying", metadata: [
                    "pg.conninfo": "\(connectionConfiguration.redactedConninfo)", "pg.error": "\(error.description)",
                    "pg.retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
                let until = ContinuousClock.now + delay
                while !shutdown.isRequested, ContinuousClock.now < until {
                    try? await Task.sleep(for: min(.milliseconds(100), until - .now))
                }
            }
        }
        return nil
    }

    /// After a failed read or write: reconnect on a connection error; on any other error
    /// (a table dropped, a privilege revoked) log it and wait a backoff delay, so a
    /// persistent problem is retried without spinning. A read-only server (25006): the
    /// connection is dropped too (its read-only default outlives the server's), after the delay.
    func dropConnection(after error: PGError) async {
        if error.isConnectionError {
            logger.warning("query failed; reconnecting", metadata: ["pg.error": "\(error.description)"])
            connection?.close()
            connection = nil
            return
        }
        var rng = SystemRandomNumberGenerator()
        let delay = backoff.nextDelay(random: &rng)
        if SyncPipeline.isReadOnly(error) {
            connection?.close()
            connection = nil
        }
        logger.error(SyncPipeline.isReadOnly(error) ? "the server is read-only; reconnecting" : "query failed; retrying", metadata: [
            "pg.error": "\(error.description)",
            "pg.retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
        ])
        let until = ContinuousClock.now + delay
        while !shutdown.isRequested, ContinuousClock.now < until {
            try? await Task.sleep(for: min(.milliseconds(100), until - .now))
        }
    }
}
