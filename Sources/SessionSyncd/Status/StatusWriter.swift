import Foundation
import Logging
import PGListen

/// Writes this instance's status row on its own small connection, in its own task, so that a slow or
/// failing status write never delays syncing (the engine only hands over the newest report).
///
/// A failed write is logged once (a warning), then silently retried with the next report; the first
/// write that works again says so at info level. The connection is opened lazily and dropped after
/// any error.
final class StatusWriter: @unchecked Sendable {
    // @unchecked Sendable: `connection` and `failing` are touched only by the task; the rest is immutable.
    private let configuration: PGConnectionConfiguration
    private let logger: Logger
    private let reports: AsyncStream<StatusReport>
    private let continuation: AsyncStream<StatusReport>.Continuation
    private var task: Task<Void, Never>?
    private var connection: PGConnection?
    private var failing = false

    /// Session settings: a heartbeat needs no durability and must never wait long.
    static let sessionSettings = "SET synchronous_commit TO off; SET lock_timeout TO 1000; SET statement_timeout TO 2000; "
        + "SET idle_session_timeout TO 0; SET idle_in_transaction_session_timeout TO 0"

    /// - Parameters:
    ///   - conninfo: the daemon's conninfo (never logged), with `target_session_attrs=read-write` on top.
    ///   - logger: one warning per failure period, one info line when it works again.
    init(conninfo: String, logger: Logger) {
        var configuration = PGConnectionConfiguration(conninfo: conninfo, applicationName: "session-syncd status",
                                                      connectTimeout: .seconds(2), queryTimeout: .seconds(3))
        // The row is a write: with a multi-host conninfo, skip hot standbys, so an instance whose
        // query connection was refused by one (``ListenCheck``) still says so in the status table.
        configuration.overrides = [("target_session_attrs", "read-write")]
        self.configuration = configuration
        self.logger = logger
        (reports, continuation) = AsyncStream<StatusReport>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts the writing task (once).
    func start() {
        guard task == nil else { return }
        task = Task.detached { [self] in
            for await report in reports { await write(report) }
            connection?.close()
            connection = nil
        }
    }

    /// Hands over the newest report; an older one not yet written is dropped.
    func submit(_ report: StatusReport) {
        continuation.yield(report)
    }

    /// Writes `last` (the `stopped` row), then ends the task and closes the connection. Bounded by the
    /// connection's connect and query timeouts.
    func finish(with last: StatusReport) async {
        continuation.yield(last)
        continuation.finish()
        await task?.value
    }

    private func write(_ report: StatusReport) async {
        do throws(PGError) {
            let conn: PGConnection
            if let connection {
                conn = connection
            } else {
                conn = try await PGConnection.connect(configuration, logger: logger)
                connection = conn
                try await conn.execute(Self.sessionSettings)
            }
            _ = try await conn.query(StatusReport.sql, report.parameters)
            if failing {
                failing = false
                logger.info("status row written again")
            }
        } catch {
            connection?.close()
            connection = nil
            if !failing {
                failing = true
                logger.warning("status row not written; syncing goes on, retrying every interval", metadata: [
                    "pg.error": "\(error.description)", "pg.sqlstate": "\(error.sqlState ?? "")",
                ])
            }
        }
    }
}
