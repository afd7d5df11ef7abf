import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 4: the web app's own writes never fail because of session-syncd, with either
/// feed: an id over NOTIFY's 8000-byte payload limit, an UPDATE of the session id, and the
/// documented way to empty the table (`TRUNCATE sessions CASCADE`, docs/daemon.md).
@Suite struct AppWritesTests {
    /// A TEXT key (CHAR(40) cannot hold a long id).
    static let schema = """
        CREATE TABLE users (id integer PRIMARY KEY, name text);
        INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 50) g;
        CREATE TABLE sessions (session_id text PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data text);
        """

    /// Runs `body` with a connection as a web app role that has only what web.py uses on sessions
    /// (and nothing on session-syncd's tables); drops the role afterwards.
    static func asWebApp(_ db: DaemonTestDatabase, _ body: (PGConnection) async throws -> Void) async throws {
        let role = "app_\(db.name)"
        try await db.connection.execute("CREATE ROLE \(role) LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO \(role)")
        do {
            let app = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(db.name) user=\(role)"), logger: DaemonTestDatabase.logger)
            defer { app.close() }
            try await body(app)
        } catch {
            try? await db.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
            throw error
        }
        try await db.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func sessionIdOverTheNotifyPayloadLimitIsSavedAndSynced(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase(Self.schema) { db, daemon in
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(feed: feed)
            try await Self.asWebApp(db) { app in
                // Over 8,000 bytes: over the payload limit; compressible, as the sessions table's own index needs.
                let long = "L" + String(repeating: "0123456789abcdef", count: 562) + "\u{e9}"
                #expect(long.utf8.count > 8000)
                try await db.put(long, try TestPickle.base64("{'uid': 5, 'current_page': '/long', 'user_role': 'r'}"), on: app)
                try await db.put("short", try TestPickle.base64("{'uid': 6}"), on: app)
                #expect(try await db.eventually { try await db.field(long, "uid") == "5" })
                #expect(try await db.eventually { try await db.field("short", "uid") == "6" })
                try await db.put(long, try TestPickle.base64("{'uid': 7, 'current_page': '/long2'}"), on: app)
                #expect(try await db.eventually { try await db.field(long, "current_page") == "/long2" })
            }
            #expect(try await db.settled(feed: feed))
        }
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func updateOfTheSessionIdMovesItsRows(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase(Self.schema) { db, daemon in
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(feed: feed)
            try await Self.asWebApp(db) { app in
                try await db.put("old", try TestPickle.base64("{'uid': 999, 'current_page': '/o', 'user_role': 'r'}"), on: app)
                #expect(try await db.eventually { try await db.errors("old") == ["uid": "no row in users(id) has this value"] })
                // The web app's role has no privilege on session_fields or the errors table: the cascade runs as their owner.
                _ = try await app.query("UPDATE sessions SET session_id = 'new' WHERE session_id = 'old'")
                #expect(try await db.fields("old") == nil)
                #expect(try await db.field("new", "current_page") == "/o")
                #expect(try await db.errors("new") == ["uid": "no row in users(id) has this value"])
                // Key and data changed together: the data change still reaches the row.
                _ = try await app.query("UPDATE sessions SET session_id = 'newer', data = $1 WHERE session_id = 'new'",
                                        [.text(try TestPickle.base64("{'uid': 3, 'current_page': '/n'}"))])
                #expect(try await db.eventually { try await db.field("newer", "current_page") == "/n" })
            }
            #expect(try await db.settled(feed: feed))
            #expect(try await db.errors("newer") == [:])
        }
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func truncateWithCascadeEmptiesTheMirrorAndTheDaemonGoesOn(feed: FeedSettings.Kind) async throws {
        // The procedure docs/daemon.md gives for emptying the sessions table.
        let docs = try ConfigTestSupport.readText("docs/daemon.md")
        #expect(docs.contains("TRUNCATE sessions CASCADE;"), "docs/daemon.md no longer shows the TRUNCATE procedure this test runs")
        try await withDaemonDatabase(Self.schema) { db, daemon in
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(feed: feed)
            for i in 0..<20 { try await db.put("t\(i)", try TestPickle.base64("{'uid': \(i == 0 ? 999 : 1)}")) }
            #expect(try await db.eventually { try await db.scalar("SELECT count(*) FROM session_fields") == "20" })
            // As the owner of sessions (who owns the mirror too).
            try await db.connection.execute("TRUNCATE sessions CASCADE;")
            #expect(try await db.scalar("SELECT (SELECT count(*) FROM session_fields) + (SELECT count(*) FROM session_sync_errors)") == "0")
            try await db.put("after", try TestPickle.base64("{'uid': 2}"))
            #expect(try await db.eventually { try await db.field("after", "uid") == "2" })
            #expect(try await db.settled(feed: feed))
            #expect(daemon?.log.contains("level=error") == false, "\(daemon?.log ?? "")")
        }
    }
}
