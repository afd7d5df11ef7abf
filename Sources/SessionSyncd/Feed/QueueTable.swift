import PGListen

/// The queue feed's two tables (sql/05-feed.sql) and the daemon's statements on them.
struct QueueTable: Sendable {
    /// `session_syncd."queue_public_sessions"`.
    let queue: String
    /// `session_syncd."wakeup_public_sessions"`: one row, `armed`.
    let wakeup: String
    /// The queue's session id column (the source's key column, quoted).
    let key: String

    /// One claimed batch: the distinct session ids and, per session, its entries.
    struct Claim: Sendable, Equatable {
        /// Entries read (a session written twice counts twice).
        var entries = 0
        /// Distinct session ids, in queue order.
        var keys: [String] = []
        /// What the write transaction deletes.
        var ack: QueueAck
    }

    /// Checks that the installed triggers are the configured feed's; for the queue feed, returns its tables.
    /// - Throws: ``SyncError`` `.notInstalled` when `install` ran with the other feed (or not at all).
    static func check(_ configuration: SyncConfiguration, on connection: PGConnection) async throws -> QueueTable? {
        let source = SQLIdentifier.quoteQualified(configuration.sourceTable)
        let r = try await connection.query("""
            SELECT session_syncd.installed_feed($1::regclass), session_syncd.feed_object($1::regclass, 'queue'),
                   session_syncd.feed_object($1::regclass, 'wakeup')
            """, [.text(source)])
        let wanted = configuration.feed.kind.rawValue
        guard let installed = r[0, 0], installed == wanted else {
            throw SyncError(.notInstalled, "the triggers on \(configuration.sourceTable) are not the \(wanted) feed's: run `session-syncd install` with [source] feed = \"\(wanted)\"")
        }
        guard configuration.feed.kind == .queue, let q = r[0, 1], let w = r[0, 2] else { return nil }
        return QueueTable(queue: "session_syncd." + SQLIdentifier.quote(q), wakeup: "session_syncd." + SQLIdentifier.quote(w),
                          key: SQLIdentifier.quote(configuration.keyColumn))
    }

    /// Reads the oldest `limit` entries (nothing is locked or deleted: the write transaction deletes them).
    func claim(limit: Int, on connection: PGConnection) async throws(PGError) -> Claim {
        let sql = "SELECT id, \(key)::text FROM \(queue) ORDER BY id LIMIT $1::int"
        let r = try await PreparedStatements.shared.query(sql, [.text(String(limit))], on: connection)
        var claim = Claim(ack: QueueAck(deleteSQL: "DELETE FROM \(queue) WHERE id = ANY($1::bigint[])", ids: [:]))
        claim.entries = r.rowCount
        for i in 0..<r.rowCount {
            guard let idText = r[i, 0], let id = Int64(idText), let key = r[i, 1] else { continue }
            if claim.ack.ids[key] == nil { claim.keys.append(key) }
            claim.ack.ids[key, default: []].append(id)
        }
        return claim
    }

    /// Sets the flag: the next writer sends one NOTIFY.
    func arm(on connection: PGConnection) async throws(PGError) {
        _ = try await PreparedStatements.shared.query("UPDATE \(wakeup) SET armed = true WHERE NOT armed", [], on: connection)
    }

    /// Deletes entries outside a write (sessions that no longer exist), in its own transaction.
    func delete(_ ack: QueueAck, on connection: PGConnection) async throws(PGError) {
        guard let s = ack.statement(for: ack.ids.keys) else { return }
        _ = try await connection.query(s.sql, s.params)
    }
}
