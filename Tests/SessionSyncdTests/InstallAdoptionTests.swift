import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 1: `install` adopts a target or errors table (or the session_syncd schema) that
/// exists already only if the installing role owns it and, for the tables, it references the source.
@Suite struct InstallAdoptionTests {
    /// A role with CREATE on the public schema and REFERENCES on sessions: enough to make
    /// a convincing session_fields before the installer does.
    static func makeSquatter(_ db: DaemonTestDatabase) async throws -> String {
        let role = "sq_\(db.name)"
        try await db.connection.execute("CREATE ROLE \(role) LOGIN")
        try await db.connection.execute("GRANT CREATE ON SCHEMA public TO \(role); GRANT REFERENCES ON sessions TO \(role)")
        return role
    }

    static func connect(_ db: DaemonTestDatabase, as role: String) async throws -> PGConnection {
        try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(db.name) user=\(role)"), logger: DaemonTestDatabase.logger)
    }

    static func dropRole(_ role: String) async {
        guard let admin = try? await PGConnection.connect(PGConnectionConfiguration(conninfo: ""), logger: DaemonTestDatabase.logger) else { return }
        try? await admin.execute("DROP ROLE IF EXISTS \(role)")
        admin.close()
    }

    /// Runs `install` (the binary) and returns its status and stderr.
    static func install(_ db: DaemonTestDatabase) throws -> (status: Int32, stderr: String) {
        let r = try DaemonProcess.run(["install", "--dsn", db.conninfo])
        return (r.status, r.stderr)
    }

    /// Nothing of the failed install stayed (one transaction).
    static func nothingInstalled(_ db: DaemonTestDatabase) async throws -> Bool {
        try await db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'sessions'::regclass AND NOT tgisinternal") == "0"
    }

    @Test(arguments: ["session_fields", "session_sync_errors"])
    func tableOfAnotherRoleIsRefusedEvenWithTheForeignKey(table: String) async throws {
        let db = try await DaemonTestDatabase.create()
        let role = try await Self.makeSquatter(db)
        do {
            let squatter = try await Self.connect(db, as: role)
            let columns = table == "session_fields"
                ? "session_id char(40) PRIMARY KEY REFERENCES sessions (session_id) ON DELETE CASCADE"
                : "session_id char(40) NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE, column_name text NOT NULL, value_excerpt text, reason text NOT NULL, PRIMARY KEY (session_id, column_name)"
            try await squatter.execute("CREATE TABLE public.\(table) (\(columns))")
            squatter.close()

            let r = try Self.install(db)
            #expect(r.status != 0)
            #expect(r.stderr.contains("already exists and is owned by role \(role), not by the installing role"), "\(r.stderr)")
            #expect(r.stderr.contains("could read the session ids"), "\(r.stderr)")
            #expect(try await Self.nothingInstalled(db))
            #expect(try await db.scalar("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '\(table)'::regclass") == role)
        } catch {
            await db.drop(); await Self.dropRole(role)
            throw error
        }
        await db.drop(); await Self.dropRole(role)
    }

    @Test(arguments: ["session_fields", "session_sync_errors"])
    func ownTableWithoutTheForeignKeyIsRefused(table: String) async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.connection.execute("CREATE TABLE \(table) (session_id char(40) PRIMARY KEY)")
            let r = try Self.install(db)
            #expect(r.status != 0)
            #expect(r.stderr.contains("already exists without a foreign key (session_id) REFERENCES sessions(session_id)"), "\(r.stderr)")
            #expect(try await Self.nothingInstalled(db))
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    @Test func schemaOfAnotherRoleIsRefused() async throws {
        let db = try await DaemonTestDatabase.create()
        let role = "sq_\(db.name)"
        do {
            try await db.connection.execute("CREATE ROLE \(role) LOGIN; GRANT CREATE ON DATABASE \(db.name) TO \(role)")
            let squatter = try await Self.connect(db, as: role)
            try await squatter.execute("CREATE SCHEMA session_syncd")
            squatter.close()
            let r = try Self.install(db)
            #expect(r.status != 0)
            #expect(r.stderr.contains("schema session_syncd already exists and is owned by role \(role)"), "\(r.stderr)")
            #expect(try await Self.nothingInstalled(db))
        } catch {
            await db.drop(); await Self.dropRole(role)
            throw error
        }
        await db.drop(); await Self.dropRole(role)
    }

    @Test func ownInstalledTablesAreAdoptedAgain() async throws {
        // The refusal must not hit a table install made itself (ownership and key checked, nothing else).
        let db = try await DaemonTestDatabase.create()
        do {
            #expect(try Self.install(db).status == 0)
            let again = try Self.install(db)
            #expect(again.status == 0, "\(again.stderr)")
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
