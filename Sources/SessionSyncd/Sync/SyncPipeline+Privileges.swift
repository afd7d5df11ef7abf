import Logging
import PGListen

/// A privilege the daemon's role needs was revoked (issue 15 item 6): nothing is written, the
/// errors table and the log say why, and the batch is retried until the privilege is back.
extension SyncPipeline {
    /// `insufficient_privilege` (42501): e.g. `REVOKE SELECT ON users` from the daemon's role.
    static func isPrivilegeError(_ error: PGError) -> Bool {
        error.sqlState == "42501"
    }

    /// Records a `$row` error for each session of a batch that a privilege error kept from being
    /// written. Best effort: if the errors table or the source is what was revoked, this fails too,
    /// and the log line is all there is.
    func recordNotWritten(_ keys: [String], _ error: PGError, on connection: PGConnection, logger: Logger) async {
        let reason = "not written: \(error.message) (SQLSTATE 42501); retried until the daemon's role has the privilege again"
        let k = schema.key
        let sql = """
            INSERT INTO \(schema.errors) AS x (\(k), column_name, value_excerpt, reason)
            SELECT s.\(k), '$row', NULL, $2 FROM \(schema.source) s WHERE s.\(k) = ANY($1::\(schema.keyType)[])
            ON CONFLICT (\(k), column_name) DO UPDATE SET reason = EXCLUDED.reason, last_seen = now(), count = x.count + 1
            """
        do {
            _ = try await connection.query(sql, [.textArray(keys), .text(reason)])
        } catch {
            logger.debug("could not record the privilege error in the errors table", metadata: ["pg.sqlstate": "\(error.sqlState ?? "")"])
        }
        logger.error("sessions not written: the daemon's role lacks a privilege; retrying", metadata: [
            "pg.error": "\(error.description)", "sync.batch_size": "\(keys.count)",
        ])
    }
}
