import CLibPQ
import Logging

/// Receives the server's notices and asynchronous errors for one PGconn.
///
/// libpq's default notice processor prints to stderr; this logs them at debug level
/// (severity and SQLSTATE only: a notice's text can carry row data) and remembers a
/// FATAL that arrived while idle (e.g. 57P01 from pg_terminate_backend), so the
/// connection-lost error can carry its SQLSTATE. Called by libpq on the thread that
/// is using the PGconn, i.e. always the connection's queue.
final class PGNoticeReceiver {
    let logger: Logger
    private(set) var lastFatal: PGError?

    init(logger: Logger) { self.logger = logger }

    func receive(_ result: OpaquePointer) {
        let error = PGError.fromResult(result, statement: nil, connectionBad: false)
        if error.severity == "FATAL" || error.severity == "PANIC" {
            lastFatal = error
        }
        logger.debug(
            "server notice",
            metadata: ["pg.severity": "\(error.severity ?? "?")", "pg.sqlstate": "\(error.sqlState ?? "?")"])
    }

    /// Installs `receiver` on `conn`. The receiver must outlive the PGconn.
    static func install(_ receiver: PGNoticeReceiver, on conn: OpaquePointer) {
        let context = Unmanaged.passUnretained(receiver).toOpaque()
        _ = PQsetNoticeReceiver(
            conn,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<PGNoticeReceiver>.fromOpaque(context).takeUnretainedValue().receive(result)
            },
            context)
    }
}
