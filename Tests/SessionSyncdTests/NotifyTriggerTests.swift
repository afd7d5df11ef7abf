import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct NotifyTriggerTests {
    @Test(arguments: ["text", "bytea"])
    func atimeUpdatesAndIdenticalRewritesDoNotNotifyButRealChangesDo(dataType: String) async throws {
        let db = try await DaemonTestDatabase.create("""
            CREATE TABLE users (id integer PRIMARY KEY);
            CREATE TABLE sessions (session_id char(40) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data \(dataType));
            """)
        do {
            try await db.install()
            let v1 = try TestPickle.base64("{'uid': 0, 'current_page': '/'}")
            let v2 = try TestPickle.base64("{'uid': 0, 'current_page': '/next'}")
            try await db.put("n1", v1)
            let listener = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { listener.close() }
            try await listener.listen("session_syncd")

            _ = try await db.connection.query("UPDATE sessions SET atime = now() + interval '1 minute' WHERE session_id = 'n1'")
            _ = try await db.connection.query("UPDATE sessions SET atime = now(), data = data WHERE session_id = 'n1'")
            try await db.put("n1", v1)  // web.py rewrites identical data on every request
            let quiet = try await listener.waitForNotifications(timeout: .milliseconds(500))
            #expect(!quiet, "\(listener.drainNotifications())")

            try await db.put("n1", v2)
            #expect(try await listener.waitForNotifications(timeout: .seconds(10)))
            // The payload is the key as text: CHAR(n) padding stripped.
            #expect(listener.drainNotifications().map(\.payload) == ["n1"])

            try await db.put("n2", v1)  // INSERT notifies
            #expect(try await listener.waitForNotifications(timeout: .seconds(10)))
            #expect(listener.drainNotifications().map(\.payload) == ["n2"])
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
