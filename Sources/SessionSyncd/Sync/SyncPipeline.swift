import Logging
import PGListen
import PickleCodec

/// Read → decode → guarded upsert, for one batch; shared by `run`, its catch-up and `resync`.
///
/// Bad data never fails a batch: decode and conversion problems become NULL
/// columns plus errors-table rows. If the statement still fails with a data or
/// constraint error (a user deleted between check and insert, a value the
/// database rejects), the batch is retried one session at a time, and a session
/// that still fails is written with every column NULL and the SQLSTATE recorded.
/// Only connection errors, lock or statement timeouts (and repeated deadlocks)
/// propagate: the caller reconnects or waits, and retries.
struct SyncPipeline: Sendable {
    let configuration: SyncConfiguration
    let schema: SyncSchema
    let columns: [MappedColumn]
    let reader: SessionReader
    let decoder: SessionRowDecoder
    let upsert: GuardedUpsert
    let mappingHash: [UInt8]

    /// Builds the pipeline of a configuration for a resolved schema.
    /// - Parameters:
    ///   - configuration: mapping, limits and retry settings.
    ///   - schema: resolved names (``SyncSchema/load(_:on:)``).
    init(configuration: SyncConfiguration, schema: SyncSchema) {
        self.configuration = configuration
        self.schema = schema
        columns = MappedColumn.all(configuration)
        reader = SessionReader(schema: schema,
                               referencingColumns: columns.filter { $0.mapping.references != nil }.map(\.mapping.name))
        decoder = SessionRowDecoder(columns: columns, limits: configuration.limits, jsonMaxBytes: configuration.jsonMaxBytes)
        upsert = GuardedUpsert(schema: schema, columns: columns)
        mappingHash = Array(configuration.mappingFingerprint.utf8)
    }

    /// Connects to the database, resolves the schema and builds the pipeline.
    /// - Parameters:
    ///   - configuration: the configuration.
    ///   - connection: the query connection.
    static func load(_ configuration: SyncConfiguration, on connection: PGConnection) async throws -> SyncPipeline {
        SyncPipeline(configuration: configuration, schema: try await SyncSchema.load(configuration, on: connection))
    }

    /// Totals of one batch.
    struct Result: Sendable, Equatable {
        /// Rows read from the source (sessions that still exist).
        var read = 0
        /// Sessions whose data was still what was decoded (written or already up to date).
        var current = 0
        /// Rows inserted or changed.
        var written = 0
        /// Problems recorded in the errors table.
        var problems = 0

        static func += (a: inout Result, b: Result) {
            a.read += b.read; a.current += b.current; a.written += b.written; a.problems += b.problems
        }
    }

    /// Syncs the sessions with these ids (the notification path).
    /// - Parameters:
    ///   - keys: distinct session ids.
    ///   - connection: the query connection.
    ///   - logger: for warnings about bad values (session reference, column, reason; never the value nor the session id).
    ///   - ack: queue entries of these sessions, deleted by the transaction that writes each session (queue feed).
    func sync(keys: [String], acknowledging ack: QueueAck? = nil, on connection: PGConnection, logger: Logger) async throws(PGError) -> Result {
        let rows = try await reader.read(keys: keys, on: connection)
        return try await sync(rows: rows, acknowledging: ack, on: connection, logger: logger)
    }

    /// Syncs rows already read (the catch-up and resync path).
    /// - Parameters:
    ///   - rows: source rows, distinct keys.
    ///   - connection: the query connection.
    ///   - logger: for warnings.
    ///   - ack: queue entries of these sessions (and of sessions without a row: deleted after the rows are written).
    func sync(rows: [SessionRow], acknowledging ack: QueueAck? = nil, on connection: PGConnection, logger: Logger) async throws(PGError) -> Result {
        if let ack, case let rest = ack.remaining(after: rows.map(\.key)), !rest.isEmpty {
            // Sessions deleted since they were queued: nothing to write, their entries go after the rest.
            let result = try await sync(rows: rows, acknowledging: ack.remaining(after: rest.ids.keys), on: connection, logger: logger)
            _ = try await connection.query(rest.deleteSQL, rest.statement(for: rest.ids.keys)!.params)
            return result
        }
        guard !rows.isEmpty else { return Result() }
        return try await sync(rows: rows, decoded: decode(rows), acknowledging: ack, on: connection, logger: logger)
    }

    /// Decodes rows (no I/O; ``PageScan`` runs it while the connection writes the previous page).
    func decode(_ rows: [SessionRow]) -> [DecodedSession] {
        rows.map(decoder.decode)
    }

    /// Syncs rows already read and decoded (`decoded[i]` is the decode of `rows[i]`).
    /// - Parameters:
    ///   - rows: source rows, distinct keys; only sessions with a row (see ``sync(rows:acknowledging:on:logger:)``).
    ///   - decoded: ``decode(_:)`` of `rows`.
    ///   - ack: queue entries of these sessions.
    ///   - connection: the query connection.
    ///   - logger: for warnings.
    func sync(rows: [SessionRow], decoded: [DecodedSession], acknowledging ack: QueueAck? = nil, on connection: PGConnection,
              logger: Logger) async throws(PGError) -> Result {
        guard !rows.isEmpty else { return Result() }
        var result = Result(read: rows.count)
        var attempt = 0
        var decoded = decoded
        while true {
            do {
                let outcome = try await upsert.execute(decoded, mappingHash: mappingHash, on: connection,
                                                       alsoRun: ack?.statement(for: rows.map(\.key)))
                result.current = outcome.current
                result.written = outcome.written
                result.problems = report(decoded, outcome, logger: logger)
                return result
            } catch {
                if error.isConnectionError || Self.isWaitBound(error) || Self.isReadOnly(error) { throw error }
                if Self.isPrivilegeError(error) {
                    // Every session would fail the same way: none is written as rejected. The errors
                    // table and the caller's log say so; the caller retries the batch after a backoff
                    // delay, and the first write after the GRANT clears these rows.
                    await recordNotWritten(decoded.map(\.key), error, on: connection, logger: logger)
                    throw error
                }
                if Self.isTransient(error), attempt < configuration.batch.maxRetries {
                    attempt += 1
                    logger.debug("batch retried after a transient error", metadata: ["pg.sqlstate": "\(error.sqlState ?? "")"])
                    continue
                }
                if decoded.count == 1, decoded[0].problems.count <= columns.count + 1,
                   let fixed = await withoutIndexOverflow(decoded[0], error, on: connection) {
                    decoded[0] = fixed  // that column NULL, the rest written
                    continue
                }
                if decoded.count == 1 {
                    return try await writeRejected(decoded[0], error, acknowledging: ack, on: connection, logger: logger, into: result)
                }
                logger.notice("batch failed; retrying its sessions one by one",
                              metadata: ["pg.sqlstate": "\(error.sqlState ?? "")", "sync.batch_size": "\(decoded.count)"])
                var total = Result(read: rows.count)
                for row in rows {
                    var one = try await sync(rows: [row], acknowledging: ack.map { QueueAck(deleteSQL: $0.deleteSQL, ids: [row.key: $0.ids[row.key] ?? []]) },
                                             on: connection, logger: logger)
                    one.read = 0
                    total += one
                }
                return total
            }
        }
    }

    /// Settings for a connection that writes session_fields.
    ///
    /// `synchronous_commit = off`: a write is visible at commit without waiting for
    /// its WAL flush (about one fsync less lag per batch). Safe because session_fields
    /// is derived data: if the server crashes before the flush, the row keeps its old
    /// data_hash, and the catch-up that follows the daemon's reconnect re-syncs it.
    static let sessionSettings = "SET synchronous_commit TO off"

    /// `lock_timeout` (55P03) or `statement_timeout` / a cancel (57014): nothing is wrong with the
    /// sessions, a lock or the server was too slow. The batch goes back to the caller (which logs it,
    /// waits a backoff delay and retries it whole) instead of being written one by one as rejected.
    static func isWaitBound(_ error: PGError) -> Bool {
        error.sqlState == "55P03" || error.sqlState == "57014"
    }

    /// The server takes no writes (25006 `read_only_sql_transaction`: `default_transaction_read_only`
    /// on, or a standby after a failover). Nothing is wrong with the sessions and this connection keeps
    /// its read-only default even after the server is writable again: the batch goes back to the caller,
    /// which drops the connection and reconnects after a backoff delay (`target_session_attrs=read-write`
    /// then finds the writable host), and retries it whole.
    static func isReadOnly(_ error: PGError) -> Bool {
        error.sqlState == "25006"
    }

    /// Serialization failures, deadlocks and a lost prepared statement: the same statement may succeed when repeated.
    static func isTransient(_ error: PGError) -> Bool {
        error.sqlState == "40001" || error.sqlState == "40P01" || error.sqlState == "26000"
    }

    /// Writes a session the database rejected with every column NULL and the SQLSTATE recorded.
    /// If even that fails, the session's queue entries are deleted anyway (a retry would fail the same way,
    /// over and over); the catch-up of the next (re)connect tries it again.
    private func writeRejected(_ session: DecodedSession, _ error: PGError, acknowledging ack: QueueAck?, on connection: PGConnection,
                               logger: Logger, into result: Result) async throws(PGError) -> Result {
        let problem = ColumnProblem(column: "$row", reason: "rejected by the database (SQLSTATE \(error.sqlState ?? "none"))", excerpt: nil)
        let fallback = DecodedSession(key: session.key, hash: session.hash,
                                      values: [String?](repeating: nil, count: columns.count), problems: [problem])
        var r = result
        do {
            let outcome = try await upsert.execute([fallback], mappingHash: mappingHash, on: connection,
                                                   alsoRun: ack?.statement(for: [session.key]))
            r.current += outcome.current
            r.written += outcome.written
            r.problems += report([fallback], outcome, logger: logger)
        } catch {
            if error.isConnectionError || Self.isWaitBound(error) || Self.isPrivilegeError(error) || Self.isReadOnly(error) { throw error }
            logger.error("session could not be written", metadata: [
                "sync.session_ref": "\(SessionRef(session.key))", "pg.sqlstate": "\(error.sqlState ?? "")",
            ])
            if let s = ack?.statement(for: [session.key]) { _ = try await connection.query(s.sql, s.params) }
        }
        return r
    }

    /// Logs one warning per problem of the decoded sessions (stale or not) and per missing reference; returns how many.
    /// The session is named by its ``SessionRef``: the id is a credential (the errors table keeps it).
    private func report(_ sessions: [DecodedSession], _ outcome: GuardedUpsert.Outcome, logger: Logger) -> Int {
        var count = 0
        for s in sessions where !s.problems.isEmpty {
            count += s.problems.count
            for p in s.problems {
                logger.warning("session value not stored", metadata: [
                    "sync.session_ref": "\(SessionRef(s.key))", "sync.column": "\(p.column)", "sync.reason": "\(p.reason)",
                ])
            }
        }
        for m in outcome.missingReferences {
            count += 1
            let ref = columns.first { $0.mapping.name == m.column }?.mapping.references
            logger.warning("session value not stored", metadata: [
                "sync.session_ref": "\(SessionRef(m.key))", "sync.column": "\(m.column)",
                "sync.reason": "no row in \(ref?.text ?? "the referenced table") has this value",
            ])
        }
        return count
    }
}
