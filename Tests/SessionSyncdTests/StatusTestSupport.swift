import Foundation
import PGListen
import Testing
@testable import SessionSyncd

extension DaemonTestDatabase {
    /// A configuration file with a fast status row (`[status] interval_s`) and `extra` TOML.
    func statusConfigFile(interval: Double = 0.2, extra: String = "") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-status-\(UUID().uuidString).toml")
        try "[status]\ninterval_s = \(interval)\n\(extra)".write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Starts `session-syncd run` without waiting for anything (a standby never catches up).
    func spawnDaemon(config: URL, dsn: String? = nil) throws -> DaemonProcess {
        try DaemonProcess(["run", "--dsn", dsn ?? conninfo, "--config", config.path])
    }

    /// The status view's rows of one pid: [column: text].
    func statusRow(pid: Int32) async throws -> [String: String?]? {
        let r = try await connection.query("SELECT * FROM session_sync_status WHERE pid = $1", [.text(String(pid))])
        guard r.rowCount > 0 else { return nil }
        var row: [String: String?] = [:]
        for (i, c) in r.columnNames.enumerated() { row[c] = r[0, i] }
        return row
    }

    /// Waits until the pid's status row satisfies `condition`.
    func statusRow(pid: Int32, timeout: Duration = .seconds(20), where condition: ([String: String?]) -> Bool) async throws -> Bool {
        try await eventually(timeout: timeout) {
            guard let row = try await statusRow(pid: pid) else { return false }
            return condition(row)
        }
    }
}

/// ``withDaemonDatabase`` with a login role `sd_<database>` for the daemon, dropped afterwards.
func withDaemonDatabaseAndRole(_ body: (DaemonTestDatabase, String, inout DaemonProcess?) async throws -> Void) async throws {
    var role = ""
    do {
        try await withDaemonDatabase { db, daemon in
            role = "sd_\(db.name)"
            try await db.connection.execute("CREATE ROLE \(role) LOGIN")
            try await body(db, role, &daemon)
        }
    } catch {
        if !role.isEmpty { try? await dropTestRole(role) }
        throw error
    }
    try await dropTestRole(role)
}

/// Drops a role (after its database is gone).
func dropTestRole(_ role: String) async throws {
    let admin = try await PGConnection.connect(PGConnectionConfiguration(conninfo: ""), logger: DaemonTestDatabase.logger)
    defer { admin.close() }
    try await admin.execute("DROP ROLE IF EXISTS \(role)")
}
