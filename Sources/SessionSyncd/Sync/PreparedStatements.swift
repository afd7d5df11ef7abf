import Foundation
import PGListen

/// Runs the daemon's hot statements as named prepared statements, so PostgreSQL
/// plans each of them once per connection instead of once per batch.
///
/// Names are derived from the SQL text (a changed mapping gives new names), and a
/// process-wide set remembers which connection has prepared which name.
/// `@unchecked Sendable`: the only state is a Set guarded by an NSLock.
final class PreparedStatements: @unchecked Sendable {
    static let shared = PreparedStatements()

    private let lock = NSLock()
    private var prepared: Set<String> = []

    /// `ssd_<16 hex digits of FNV-1a of the SQL>`.
    static func name(for sql: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in sql.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "ssd_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    private func key(_ connection: PGConnection, _ name: String) -> String {
        "\(ObjectIdentifier(connection).hashValue)/\(connection.backendPID)/\(name)"
    }

    /// Prepares `sql` on `connection` unless it already is; returns its name.
    /// Call it outside a transaction block (a failure would abort the transaction).
    func prepare(_ sql: String, on connection: PGConnection) async throws(PGError) -> String {
        let name = Self.name(for: sql)
        let k = key(connection, name)
        if lock.withLock({ prepared.contains(k) }) { return name }
        try await connection.prepare(name: name, sql: sql)
        _ = lock.withLock { prepared.insert(k) }
        return name
    }

    /// Forgets that `sql` is prepared on `connection` (after SQLSTATE 26000).
    func forget(_ sql: String, on connection: PGConnection) {
        let k = key(connection, Self.name(for: sql))
        _ = lock.withLock { prepared.remove(k) }
    }

    /// Runs `sql` prepared (outside a transaction block), preparing it again if the server lost it.
    func query(_ sql: String, _ parameters: [PGValue?], on connection: PGConnection) async throws(PGError) -> PGResult {
        let name = try await prepare(sql, on: connection)
        do {
            return try await connection.executePrepared(name: name, parameters)
        } catch where error.sqlState == "26000" {
            forget(sql, on: connection)
            return try await connection.executePrepared(name: try await prepare(sql, on: connection), parameters)
        }
    }
}
