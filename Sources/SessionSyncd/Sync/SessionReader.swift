import PGListen

/// Reads source rows: a batch of notified ids, or a page of a key-ordered scan.
struct SessionReader: Sendable {
    let schema: SyncSchema
    /// Foreign-key columns: a session whose errors-table row says one had no referenced row is
    /// out of sync for the catch-up too, so a user created later fills the column (issue 15 item 6).
    var referencingColumns: [String] = []

    /// The rows of `keys` that still exist, in one query.
    /// - Parameters:
    ///   - keys: session ids as text; compared as the key column's own type (CHAR(n) padding is ignored).
    ///   - connection: the query connection.
    func read(keys: [String], on connection: PGConnection) async throws(PGError) -> [SessionRow] {
        let sql = """
            SELECT s.\(schema.key)::text, s.\(schema.data), \(schema.dataHash("s"))
            FROM \(schema.source) s WHERE s.\(schema.key) = ANY($1::\(schema.keyType)[])
            """
        return Self.rows(try await PreparedStatements.shared.query(sql, [.textArray(keys)], on: connection))
    }

    /// One page of a scan in key order (keyset pagination).
    /// - Parameters:
    ///   - after: the last key of the previous page, nil for the first page.
    ///   - limit: most rows.
    ///   - onlyOutOfSync: true for catch-up: only sessions without a target row, or whose
    ///     data hash or mapping fingerprint differs from the target row's, or with a foreign-key value
    ///     recorded as missing (``referencingColumns``); false for resync: every session.
    ///   - mappingHash: the current mapping fingerprint.
    ///   - connection: the query connection.
    func page(after: String?, limit: Int, onlyOutOfSync: Bool, mappingHash: [UInt8],
              on connection: PGConnection) async throws(PGError) -> [SessionRow] {
        var conditions: [String] = []
        var params: [PGValue?] = [.text(String(limit))]
        if let after {
            params.append(.text(after))
            conditions.append("s.\(schema.key) > $\(params.count)::\(schema.keyType)")
        }
        var from = "\(schema.source) s"
        if onlyOutOfSync {
            params.append(.binary(mappingHash))
            from += " LEFT JOIN \(schema.target) f ON f.\(schema.key) = s.\(schema.key)"
            // The page's lower bound on the target side too: the planner does not carry `s.key > $2` over the
            // join, so its merge join walked session_fields from its first key on every page (each page of a
            // cold start read every row written so far: 18 ms a page of 1,000 at 100,000 sessions, 4.7 with it).
            if after != nil { from += " AND f.\(schema.key) > $2::\(schema.keyType)" }
            var outOfSync = "f.\(schema.key) IS NULL OR f.data_hash IS DISTINCT FROM \(schema.dataHash("s"))"
                + " OR f.mapping_hash IS DISTINCT FROM $\(params.count)::bytea"
            if !referencingColumns.isEmpty {
                params.append(.textArray(referencingColumns))
                outOfSync += " OR EXISTS (SELECT 1 FROM \(schema.errors) e WHERE e.\(schema.key) = s.\(schema.key)"
                    + " AND e.column_name = ANY($\(params.count)::text[]) AND e.reason LIKE 'no row in %')"
            }
            conditions.append("(" + outOfSync + ")")
        }
        var sql = "SELECT s.\(schema.key)::text, s.\(schema.data), \(schema.dataHash("s")) FROM \(from)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY s.\(schema.key) LIMIT $1::int"
        // Not prepared: a generic plan for `key > $2 ... LIMIT $1` can turn a page into a full sort.
        return Self.rows(try await connection.query(sql, params))
    }

    /// Sessions in the source table (an exact count; used for progress).
    func count(on connection: PGConnection) async throws(PGError) -> Int {
        let r = try await connection.query("SELECT count(*) FROM \(schema.source)")
        return Int(r[0, 0] ?? "") ?? 0
    }

    static func rows(_ result: PGResult) -> [SessionRow] {
        var rows: [SessionRow] = []
        rows.reserveCapacity(result.rowCount)
        for r in 0..<result.rowCount {
            guard let key = result[r, 0] else { continue }
            rows.append(SessionRow(key: key, data: result.bytes(row: r, column: 1), hash: result.bytes(row: r, column: 2) ?? []))
        }
        return rows
    }
}
