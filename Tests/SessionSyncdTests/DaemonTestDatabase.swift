import Foundation
import Logging
import PGListen
import Testing
@testable import SessionSyncd

/// Why a daemon test cannot run: thrown, never skipped (no PostgreSQL configured or reachable).
struct DaemonTestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A throwaway database per test (`CREATE DATABASE t_<random>`), so tests run in parallel.
///
/// The server comes from the PG* environment (scripts/test exports it).
final class DaemonTestDatabase: Sendable {
    /// The database name.
    let name: String
    /// A superuser connection to it (the "schema owner").
    let connection: PGConnection
    /// `dbname=<name>`: the rest comes from the PG* environment.
    var conninfo: String { "dbname=\(name)" }

    static let logger: Logger = {
        var l = Logger(label: "session-syncd-tests")
        // SESSION_SYNCD_TEST_LOG=debug shows what the in-process pipeline logs.
        l.logLevel = ProcessInfo.processInfo.environment["SESSION_SYNCD_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return l
    }()

    private init(name: String, connection: PGConnection) {
        self.name = name
        self.connection = connection
    }

    /// Creates a database; with `schema`, runs that SQL in it first.
    /// - Parameter schema: SQL creating the web app's tables.
    static func create(_ schema: String = DaemonTestDatabase.defaultSchema) async throws -> DaemonTestDatabase {
        let env = ProcessInfo.processInfo.environment
        guard env["PGHOST"] != nil || env["PGPORT"] != nil else {
            let required = env["SESSION_SYNCD_REQUIRE_PG"] == "1" ? " (SESSION_SYNCD_REQUIRE_PG=1)" : ""
            throw DaemonTestSetupError(description:
                "PostgreSQL is not configured\(required): run scripts/test, or eval \"$(scripts/pg-temp start)\"")
        }
        let admin: PGConnection
        do {
            admin = try await PGConnection.connect(PGConnectionConfiguration(conninfo: ""), logger: logger)
        } catch {
            throw DaemonTestSetupError(description: "cannot reach PostgreSQL via PG* environment: \(error)")
        }
        defer { admin.close() }
        let name = "t_\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff)"
        try await admin.execute("CREATE DATABASE \(name)")
        let conn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(name)"), logger: logger)
        if !schema.isEmpty { try await conn.execute(schema) }
        return DaemonTestDatabase(name: name, connection: conn)
    }

    /// Drops the database (closing every connection to it).
    func drop() async {
        connection.close()
        guard let admin = try? await PGConnection.connect(PGConnectionConfiguration(conninfo: ""), logger: Self.logger) else { return }
        try? await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }

    /// The web app's tables as the seed has them.
    static let defaultSchema = """
        CREATE TABLE users (id integer PRIMARY KEY, name text);
        INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 50) g;
        CREATE TABLE sessions (session_id char(40) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data text);
        """

    /// Inserts or replaces a session's data (text parameter; cast to the column's type).
    func put(_ key: String, _ data: String, on conn: PGConnection? = nil) async throws {
        _ = try await (conn ?? connection).query(
            "INSERT INTO sessions (session_id, data) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET data = EXCLUDED.data",
            [.text(key), .text(data)])
    }

    /// One value of the first row, as text.
    func scalar(_ sql: String, _ params: [PGValue?] = []) async throws -> String? {
        let r = try await connection.query(sql, params)
        return r.rowCount > 0 ? r[0, 0] : nil
    }

    /// A session_fields row as [column: text].
    func fields(_ key: String) async throws -> [String: String?]? {
        let r = try await connection.query("SELECT * FROM session_fields WHERE session_id = $1", [.text(key)])
        guard r.rowCount > 0 else { return nil }
        var row: [String: String?] = [:]
        for (i, c) in r.columnNames.enumerated() { row[c] = r[0, i] }
        return row
    }

    /// Error rows of a session: [column_name: reason].
    func errors(_ key: String, table: String = "session_sync_errors") async throws -> [String: String] {
        let r = try await connection.query("SELECT column_name, reason FROM \(table) WHERE session_id = $1", [.text(key)])
        var out: [String: String] = [:]
        for i in 0..<r.rowCount { out[r[i, 0]!] = r[i, 1]! }
        return out
    }

    /// Waits (up to `timeout`) until `condition` holds; false if it never did.
    func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
