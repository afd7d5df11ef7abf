import Foundation
import PGListen

/// The single statement that writes a batch of decoded sessions.
///
/// A row is written only if the source row still hashes to what was decoded
/// (the source row, looked up by key, `AND data_hash(s.data) = v.h`), and an unchanged row is
/// not rewritten (the `WHERE ... IS DISTINCT FROM` of `DO UPDATE`). Foreign keys
/// are checked in the statement (`NOT EXISTS`, per session), so a uid without a user
/// becomes NULL instead of failing the batch, and is returned to be reported.
/// The errors table is brought up to date in the same statement: the batch's
/// problems are upserted (count + 1), other errors of the written sessions are deleted.
///
/// Why no decode is ever stale when written, whatever the interleaving: every
/// writer (`run`, `resync`, a second daemon) runs the statement in a transaction
/// that first locks the target's writers lock table (`LOCK TABLE ... IN EXCLUSIVE MODE`:
/// only the installer and the daemon's role may; an advisory lock any role could take), so
/// writers are serialized and each statement's snapshot is taken after the
/// previous writer committed. A change committed before that snapshot makes the
/// guard skip an older decode; a change committed after it is notified after it
/// commits and written by a later batch. (`FOR SHARE` on the source rows would
/// do the same but needs UPDATE privilege on the web app's table.)
struct GuardedUpsert: Sendable {
    /// The statement text; parameters are described by ``parameters(for:mappingHash:)``.
    let sql: String
    /// Columns in parameter order.
    let columns: [MappedColumn]
    /// `LOCK TABLE <writers lock> IN EXCLUSIVE MODE`: serializes the writers of this target table.
    let lockSQL: String

    /// Builds the statement for a schema and its columns.
    /// - Parameters:
    ///   - schema: resolved, quoted names.
    ///   - columns: the mapped columns.
    init(schema: SyncSchema, columns: [MappedColumn]) {
        self.columns = columns
        lockSQL = "LOCK TABLE \(schema.writersLock) IN EXCLUSIVE MODE"
        let n = columns.count
        let k = schema.key
        let vcols = (0..<n).map { "c\($0)" }
        let valueParams = (0..<n).map { "$\($0 + 4)::text[]" }
        let e = n + 4  // first errors-array parameter
        let fks = columns.enumerated().filter { $0.element.mapping.references != nil }

        // g: the batch's sessions whose source row still hashes to what was decoded, with one
        // flag per foreign key (b<i>: the value has no referenced row). The source row is looked up
        // per session through a LATERAL subquery that OFFSET 0 keeps from being flattened: as a
        // plain join the planner may hash the whole source table (data_hash of every session, for
        // every batch: O(sessions) per batch, measured 430 ms for a 1,000-session batch of 20,000).
        // The flags are computed here, not in a second CTE joined back on the key (measured 3-4x
        // the server CPU of the whole statement).
        var s = "WITH g AS MATERIALIZED (\n  SELECT s.k, v.h" + vcols.map { ", v." + $0 }.joined()
        for (i, c) in fks {
            let ref = c.mapping.references!
            s += ",\n    (v.c\(i) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(SQLIdentifier.quoteQualified(ref.table)) r"
            s += " WHERE r.\(SQLIdentifier.quote(ref.column)) = \(c.cast("v.c\(i)")))) AS b\(i)"
        }
        s += "\n  FROM unnest($1::text[], $2::bytea[]"
        for p in valueParams { s += ", " + p }
        s += ") AS v(k, h" + vcols.map { ", " + $0 }.joined() + ")\n"
        s += "  CROSS JOIN LATERAL (SELECT s.\(k) AS k FROM \(schema.source) s"
        s += " WHERE s.\(k) = v.k::\(schema.keyType) AND \(schema.dataHash("s")) = v.h OFFSET 0) s\n)"
        let targetCols = columns.map { SQLIdentifier.quote($0.mapping.name) }
        s += ", ins AS (\n  INSERT INTO \(schema.target) AS t (\(k), data_hash, mapping_hash, synced_at"
        s += targetCols.map { ", " + $0 }.joined() + ")\n"
        s += "  SELECT g.k, g.h, $3::bytea, now()"
        for (i, c) in columns.enumerated() {
            if c.mapping.references != nil {
                s += ", CASE WHEN g.b\(i) THEN NULL ELSE \(c.cast("g.c\(i)")) END"
            } else {
                s += ", " + c.cast("g.c\(i)")
            }
        }
        s += "\n  FROM g\n"
        s += "  ON CONFLICT (\(k)) DO UPDATE SET data_hash = EXCLUDED.data_hash, mapping_hash = EXCLUDED.mapping_hash, synced_at = EXCLUDED.synced_at"
        s += targetCols.map { ", \($0) = EXCLUDED.\($0)" }.joined() + "\n"
        s += "  WHERE t.data_hash IS DISTINCT FROM EXCLUDED.data_hash OR t.mapping_hash IS DISTINCT FROM EXCLUDED.mapping_hash"
        s += targetCols.map { " OR t.\($0) IS DISTINCT FROM EXCLUDED.\($0)" }.joined() + "\n"
        s += "  RETURNING 1\n)"
        s += ", e AS (\n  SELECT g.k, x.col, x.excerpt, x.reason\n"
        s += "  FROM unnest($\(e)::text[], $\(e + 1)::text[], $\(e + 2)::text[], $\(e + 3)::text[]) AS x(k, col, excerpt, reason)\n"
        s += "  JOIN g ON g.k = x.k::\(schema.keyType)"
        for (i, c) in fks {
            let ref = c.mapping.references!
            let reason = "no row in \(ref.table)(\(ref.column)) has this value"
            s += "\n  UNION ALL SELECT g.k, \(Self.literal(c.mapping.name)), left(g.c\(i), \(ColumnProblem.maxExcerpt)), \(Self.literal(reason))"
            s += " FROM g WHERE g.b\(i)"
        }
        s += "\n), d AS (\n  DELETE FROM \(schema.errors) x USING g WHERE x.\(k) = g.k"
        s += " AND NOT EXISTS (SELECT 1 FROM e WHERE e.k = x.\(k) AND e.col = x.column_name)\n  RETURNING 1\n)"
        s += ", u AS (\n  INSERT INTO \(schema.errors) AS x (\(k), column_name, value_excerpt, reason)\n"
        s += "  SELECT k, col, excerpt, reason FROM e\n"
        s += "  ON CONFLICT (\(k), column_name) DO UPDATE SET value_excerpt = EXCLUDED.value_excerpt, reason = EXCLUDED.reason,"
        s += " last_seen = now(), count = x.count + 1\n  RETURNING 1\n)\n"
        s += "SELECT 0 AS kind, (SELECT count(*) FROM g)::text AS a, (SELECT count(*) FROM ins)::text AS b"
        for (i, c) in fks {
            s += "\nUNION ALL SELECT 1, g.k::text, \(Self.literal(c.mapping.name)) FROM g WHERE g.b\(i)"
        }
        sql = s
    }

    /// Largest batch that runs as a prepared statement.
    static let preparedBatchLimit = 64

    /// A string literal for names chosen by the configuration (validated identifiers) and fixed wording.
    static func literal(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The statement's parameters for a batch (no duplicate keys).
    /// - Parameters:
    ///   - sessions: decoded sessions.
    ///   - mappingHash: the configuration's mapping fingerprint, stored per row.
    func parameters(for sessions: [DecodedSession], mappingHash: [UInt8]) -> [PGValue?] {
        var params: [PGValue?] = [
            .textArray(sessions.map(\.key)),
            .byteaArray(sessions.map(\.hash)),
            .binary(mappingHash),
        ]
        for i in columns.indices {
            params.append(.textArray(sessions.map { $0.values[i] }))
        }
        var ek: [String?] = [], ec: [String?] = [], ex: [String?] = [], er: [String?] = []
        for s in sessions {
            for p in s.problems {
                ek.append(s.key); ec.append(p.column); ex.append(p.excerpt); er.append(p.reason)
            }
        }
        params += [.textArray(ek), .textArray(ec), .textArray(ex), .textArray(er)]
        return params
    }

    /// What one execution did.
    struct Outcome: Sendable, Equatable {
        /// Sessions whose data still hashed to the decoded hash (written or already up to date).
        var current: Int
        /// Rows inserted or changed.
        var written: Int
        /// (session, column) whose foreign key value had no row and was stored as NULL.
        var missingReferences: [(key: String, column: String)]

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.current == b.current && a.written == b.written
                && a.missingReferences.map { "\($0.key)\u{0}\($0.column)" } == b.missingReferences.map { "\($0.key)\u{0}\($0.column)" }
        }
    }

    /// Runs the statement for a batch.
    /// - Parameters:
    ///   - sessions: decoded sessions, distinct keys.
    ///   - mappingHash: the mapping fingerprint.
    ///   - connection: the query connection.
    ///   - alsoRun: a statement run in the same transaction before COMMIT (the queue feed's delete of
    ///     the batch's entries), nil for none.
    /// - Throws: `PGError` when the statement fails (the whole batch is rolled back).
    func execute(_ sessions: [DecodedSession], mappingHash: [UInt8], on connection: PGConnection,
                 alsoRun: (sql: String, params: [PGValue?])? = nil) async throws(PGError) -> Outcome {
        let result: PGResult
        // Small batches (the notification path) run prepared: planning this statement costs
        // more than executing it for a few sessions. Large ones (catch-up, resync) are planned
        // for their actual size: a cached generic plan, made for small arrays, was measured
        // three times slower on 1000-session pages.
        var name: String? = nil
        if sessions.count <= Self.preparedBatchLimit {
            name = try await PreparedStatements.shared.prepare(sql, on: connection)
        }
        do {
            // Inside the do: a lock timeout leaves the transaction aborted, and only ROLLBACK ends it.
            try await connection.execute("BEGIN; " + lockSQL)
            let params = parameters(for: sessions, mappingHash: mappingHash)
            if let name {
                result = try await connection.executePrepared(name: name, params)
            } else {
                result = try await connection.query(sql, params)
            }
            if let alsoRun { _ = try await PreparedStatements.shared.query(alsoRun.sql, alsoRun.params, on: connection) }
            try await connection.execute("COMMIT")
        } catch {
            if !error.isConnectionError { try? await connection.execute("ROLLBACK") }
            // The server lost the prepared statement (e.g. DISCARD ALL by a pooler): prepare again on retry.
            if error.sqlState == "26000" { PreparedStatements.shared.forget(sql, on: connection) }
            throw error
        }
        var outcome = Outcome(current: 0, written: 0, missingReferences: [])
        for r in 0..<result.rowCount {
            if result[r, 0] == "0" {
                outcome.current = Int(result[r, 1] ?? "") ?? 0
                outcome.written = Int(result[r, 2] ?? "") ?? 0
            } else if let key = result[r, 1], let column = result[r, 2] {
                outcome.missingReferences.append((key, column))
            }
        }
        return outcome
    }
}
