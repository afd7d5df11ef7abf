import PGListen

/// What `session-syncd status` reads: the rows of `session_sync_status` (in the target table's schema)
/// for the configured target, with freshness judged by the view (three intervals) or by `maxAge`.
/// Healthy (``Result/ok``) means an active instance with a fresh heartbeat and `warning IS NULL`.
struct StatusQuery: Sendable {
    /// The target table, quoted and qualified as the daemon writes it in its row.
    let target: String
    /// Seconds after which a heartbeat is stale; nil: the view's `fresh` (three of the row's intervals).
    let maxAgeSeconds: Double?

    /// The columns the human table shows, in order.
    static let columns = ["host", "pid", "role", "fresh", "heartbeat_age_s", "connected", "sessions_synced", "errors",
                          "batches", "lag_p50_ms", "lag_p99_ms", "lag_max_ms", "backlog", "last_notification_at",
                          "started_at", "version", "instance_id", "warning"]

    /// The result: rows as text, and whether one is healthy: active, with a fresh heartbeat and no warning.
    struct Result: Sendable {
        var columns: [String]
        var rows: [[String?]]
        /// An active instance has a fresh heartbeat and no `warning` (one that reports why it cannot work,
        /// a hot standby or a pooler in transaction mode, syncs nothing).
        var ok: Bool
        /// The same as one JSON object: `{"ok": ..., "max_age_s": ..., "instances": [...]}`.
        var json: String
    }

    /// Reads the rows.
    /// - Throws: ``SyncError`` `.notInstalled` without the view, `.database` when a query fails.
    func read(on connection: PGConnection) async throws -> Result {
        let view: String
        do {
            // OFFSET 0: to_regclass only for the target's schema; joined, the planner ran it for every
            // schema, and a role without USAGE on pg_toast (the daemon's, a monitoring role) got 42501.
            let r = try await connection.query("""
                SELECT v FROM (
                    SELECT format('%I.session_sync_status', n.nspname) AS v
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = to_regclass($1) OFFSET 0) s
                WHERE to_regclass(v) IS NOT NULL
                """, [.text(target)])
            guard r.rowCount == 1, let v = r[0, 0] else {
                throw SyncError(.notInstalled, "no status view next to \(target): run `session-syncd install`")
            }
            view = v
        } catch let error as PGError {
            throw SyncError(.database, "cannot find the status view: \(error.description)", sqlState: error.sqlState)
        }
        let rows = """
            SELECT \(Self.columns.map { $0 == "fresh" ? "CASE WHEN $2::double precision IS NULL THEN fresh ELSE role <> 'stopped' AND heartbeat_age_s <= $2::double precision END AS fresh" : $0 }.joined(separator: ", "))
            FROM \(view) WHERE target = $1
            """
        let sql = """
            WITH r AS (\(rows))
            SELECT r.*, json_build_object('ok', coalesce((SELECT bool_or(role = 'active' AND fresh AND warning IS NULL) FROM r), false),
                                          'max_age_s', $2::double precision,
                                          'instances', coalesce((SELECT json_agg(r ORDER BY role = 'active' DESC, heartbeat_age_s) FROM r), '[]'))::text,
                   coalesce((SELECT bool_or(role = 'active' AND fresh AND warning IS NULL) FROM r), false)
            FROM (SELECT 1) one LEFT JOIN r ON true
            ORDER BY r.role = 'active' DESC, r.heartbeat_age_s
            """
        let result: PGResult
        do {
            result = try await connection.query(sql, [.text(target), maxAgeSeconds.map { .text(String($0)) }])
        } catch {
            throw SyncError(.database, "cannot read \(view): \(error.description)", sqlState: error.sqlState)
        }
        let n = Self.columns.count
        var out: [[String?]] = []
        for i in 0..<result.rowCount where result[i, 0] != nil || result[i, 2] != nil {
            out.append((0..<n).map { result[i, $0] })
        }
        let ok = result.rowCount > 0 && result[0, n + 1] == "t"
        return Result(columns: Self.columns, rows: out, ok: ok, json: result.rowCount > 0 ? result[0, n] ?? "{}" : "{}")
    }
}
