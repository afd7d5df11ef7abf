import PGListen

/// The database objects one configuration maps to, resolved against the catalog.
///
/// Names are quoted for SQL text here, once; the key's own type (CHAR(40),
/// VARCHAR, TEXT, ...) is read from the catalog so session ids are compared
/// with the key column's semantics (CHAR(n) ignores trailing spaces).
struct SyncSchema: Sendable {
    /// `"sessions"` or `"app"."sessions"`.
    var source: String
    /// `"session_id"`, also the key column of the target and errors tables.
    var key: String
    /// `"data"`.
    var data: String
    /// The key's type as `format_type` spells it, e.g. `character(40)`; comes from the catalog.
    var keyType: String
    /// True when the data column is bytea (holding the base64 text).
    var dataIsBytea: Bool
    /// `"session_fields"`.
    var target: String
    /// `"session_sync_errors"`.
    var errors: String
    /// `session_syncd."writers_public_session_fields"`: every write transaction locks it (``GuardedUpsert``).
    var writersLock = ""
    /// `session_syncd."leader_public_session_fields"`: the active instance holds it (``LeaderLock``).
    var leaderLock = ""

    /// Reads the key and data types and checks that `install` created every table and column.
    /// - Parameters:
    ///   - configuration: names to resolve.
    ///   - connection: a connection to the database.
    /// - Throws: ``SyncError`` (`.badSource`, `.notInstalled`) or `PGError`.
    static func load(_ configuration: SyncConfiguration, on connection: PGConnection) async throws -> SyncSchema {
        let columns = try await connection.query("""
            SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypid::regtype::text
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [.text(SQLIdentifier.quoteQualified(configuration.sourceTable))])
        var types: [String: (format: String, base: String)] = [:]
        for r in 0..<columns.rowCount {
            if let name = columns[r, 0], let f = columns[r, 1], let b = columns[r, 2] { types[name] = (f, b) }
        }
        guard !types.isEmpty else {
            throw SyncError(.badSource, "source table \(configuration.sourceTable) does not exist")
        }
        guard let keyType = types[configuration.keyColumn]?.format else {
            throw SyncError(.badSource, "source table \(configuration.sourceTable) has no column \(configuration.keyColumn)")
        }
        guard let dataType = types[configuration.dataColumn]?.base else {
            throw SyncError(.badSource, "source table \(configuration.sourceTable) has no column \(configuration.dataColumn)")
        }
        guard ["text", "character varying", "bytea"].contains(dataType) else {
            throw SyncError(.badSource, "\(configuration.sourceTable).\(configuration.dataColumn) is \(dataType), expected text or bytea")
        }
        var schema = SyncSchema(
            source: SQLIdentifier.quoteQualified(configuration.sourceTable),
            key: SQLIdentifier.quote(configuration.keyColumn),
            data: SQLIdentifier.quote(configuration.dataColumn),
            keyType: keyType,
            dataIsBytea: dataType == "bytea",
            target: SQLIdentifier.quoteQualified(configuration.targetTable),
            errors: SQLIdentifier.quoteQualified(configuration.errorsTable))
        try await schema.checkInstalled(configuration, on: connection)
        return schema
    }

    /// Fails with `.notInstalled` naming what `install` has not created yet.
    private mutating func checkInstalled(_ configuration: SyncConfiguration, on connection: PGConnection) async throws {
        let r = try await connection.query("""
            SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [.text(target)])
        let present = Set((0..<r.rowCount).compactMap { r[$0, 0] })
        if present.isEmpty {
            throw SyncError(.notInstalled, "table \(configuration.targetTable) does not exist: run `session-syncd install`")
        }
        var wanted = [configuration.keyColumn, "data_hash", "mapping_hash", "synced_at"] + configuration.columns.map(\.name)
        if let json = configuration.jsonColumn { wanted.append(json) }
        for name in wanted where !present.contains(name) {
            throw SyncError(.notInstalled, "column \(configuration.targetTable).\(name) does not exist: run `session-syncd install`")
        }
        let e = try await connection.query("""
            SELECT to_regclass($1) IS NOT NULL, to_regprocedure('session_syncd.data_hash(text)') IS NOT NULL,
                   to_regprocedure('session_syncd.lock_table(regclass,text)') IS NOT NULL
            """, [.text(errors)])
        if e[0, 0] != "t" {
            throw SyncError(.notInstalled, "table \(configuration.errorsTable) does not exist: run `session-syncd install`")
        }
        if e[0, 1] != "t" {
            throw SyncError(.notInstalled, "function session_syncd.data_hash does not exist: run `session-syncd install`")
        }
        if e[0, 2] != "t" {
            throw SyncError(.notInstalled, "function session_syncd.lock_table does not exist: run `session-syncd install`")
        }
        let locks = try await connection.query("""
            SELECT k, format('session_syncd.%I', session_syncd.lock_table(to_regclass($1), k)),
                   to_regclass(format('session_syncd.%I', session_syncd.lock_table(to_regclass($1), k))) IS NOT NULL
            FROM unnest(ARRAY['writers', 'leader']) k
            """, [.text(target)])
        for r in 0..<locks.rowCount {
            guard let name = locks[r, 1], locks[r, 2] == "t" else {
                throw SyncError(.notInstalled, "the \(locks[r, 0] ?? "") lock table of \(configuration.targetTable) does not exist: run `session-syncd install`")
            }
            if locks[r, 0] == "writers" { writersLock = name } else { leaderLock = name }
        }
    }

    /// SQL for the hash of the data column of alias `alias`.
    func dataHash(_ alias: String) -> String { "session_syncd.data_hash(\(alias).\(data))" }
}
