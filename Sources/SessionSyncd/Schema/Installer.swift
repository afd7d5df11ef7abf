import Logging
import PGListen

/// Applies sql/ (embedded byte for byte) and calls its functions with the configuration's names
/// (`setup`, `setup_feed` for `[source] feed`, `add_column` per column, `setup_status`, the grants).
///
/// Everything runs in one transaction and is idempotent: a second install changes nothing.
struct Installer: Sendable {
    let configuration: SyncConfiguration

    /// Creates or upgrades every database object.
    /// - Parameters:
    ///   - connection: a connection as the schema owner.
    ///   - logger: progress at info level.
    /// - Throws: `PGError` (the transaction is rolled back).
    func install(on connection: PGConnection, logger: Logger) async throws {
        try await connection.execute("BEGIN")
        do {
            for file in EmbeddedSQL.files {
                try await connection.execute(file.text)
                logger.debug("applied", metadata: ["sql.file": "\(file.name)"])
            }
            let source = SQLIdentifier.quoteQualified(configuration.sourceTable)
            let target = SQLIdentifier.quoteQualified(configuration.targetTable)
            let errors = SQLIdentifier.quoteQualified(configuration.errorsTable)
            _ = try await connection.query(
                "SELECT session_syncd.setup($1::regclass, $2::name, $3::name, $4::text, $5::text, $6::text)",
                [.text(source), .text(configuration.keyColumn), .text(configuration.dataColumn),
                 .text(target), .text(errors), .text(configuration.channel)])
            _ = try await connection.query(
                "SELECT session_syncd.setup_feed($1::regclass, $2::name, $3::name, $4::text, $5::text)",
                [.text(source), .text(configuration.keyColumn), .text(configuration.dataColumn),
                 .text(configuration.channel), .text(configuration.feed.kind.rawValue)])
            for column in MappedColumn.all(configuration) {
                let ref = column.mapping.references
                _ = try await connection.query(
                    "SELECT session_syncd.add_column($1::text, $2::name, $3::text, $4::text, $5::name)",
                    [.text(target), .text(column.mapping.name), .text(column.mapping.type.rawValue),
                     ref.map { .text(SQLIdentifier.quoteQualified($0.table)) }, ref.map { .text($0.column) }])
            }
            _ = try await connection.query("SELECT session_syncd.setup_status($1::text)", [.text(target)])
            if let role = configuration.daemonRole {
                // (table, column) of every reference, once each: column privileges only.
                var seen = Set<String>()
                var tables: [String?] = [], referencedColumns: [String?] = []
                for ref in configuration.columns.compactMap(\.references) {
                    let table = SQLIdentifier.quoteQualified(ref.table)
                    guard seen.insert(table + "\u{0}" + ref.column).inserted else { continue }
                    tables.append(table)
                    referencedColumns.append(ref.column)
                }
                _ = try await connection.query(
                    "SELECT session_syncd.grant_daemon($1::name, $2::regclass, $3::name, $4::name, $5::text, $6::text, $7::text[], $8::name[])",
                    [.text(role), .text(source), .text(configuration.keyColumn), .text(configuration.dataColumn),
                     .text(target), .text(errors), .textArray(tables), .textArray(referencedColumns)])
                _ = try await connection.query("SELECT session_syncd.grant_daemon_feed($1::name, $2::regclass)",
                                               [.text(role), .text(source)])
                _ = try await connection.query("SELECT session_syncd.grant_daemon_status($1::name, $2::text)",
                                               [.text(role), .text(target)])
            }
            try await connection.execute("COMMIT")
        } catch {
            try? await connection.execute("ROLLBACK")
            throw error
        }
    }
}
