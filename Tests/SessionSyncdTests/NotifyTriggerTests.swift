import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// The triggers of both feeds fire on the same writes: what the notify feed NOTIFYs, the queue feed queues.
@Suite struct NotifyTriggerTests {
    @Test(arguments: ["text", "bytea"], FeedSettings.Kind.allCases)
    func atimeUpdatesAndIdenticalRewritesDoNotNotifyButRealChangesDo(dataType: String, feed: FeedSettings.Kind) async throws {
        let db = try await DaemonTestDatabase.create("""
            CREATE TABLE users (id integer PRIMARY KEY);
            CREATE TABLE sessions (session_id char(40) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data \(dataType));
            """)
        do {
            try await db.install(feed: feed)
            let v1 = try TestPickle.base64("{'uid': 0, 'current_page': '/'}")
            let v2 = try TestPickle.base64("{'uid': 0, 'current_page': '/next'}")
            try await db.put("n1", v1)
            let listener = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { listener.close() }
            try await listener.listen("session_syncd")
            // What the feed reports: notification payloads, or queued ids (taken out of the queue).
            func changes() async throws -> [String] {
                if feed == .notify { return listener.drainNotifications().map(\.payload) }
                let r = try await db.connection.query("DELETE FROM session_syncd.queue_public_sessions RETURNING id, session_id::text")
                return (0..<r.rowCount).map { (Int(r[$0, 0]!)!, r[$0, 1]!) }.sorted { $0.0 < $1.0 }.map(\.1)
            }
            _ = try await changes()

            _ = try await db.connection.query("UPDATE sessions SET atime = now() + interval '1 minute' WHERE session_id = 'n1'")
            _ = try await db.connection.query("UPDATE sessions SET atime = now(), data = data WHERE session_id = 'n1'")
            try await db.put("n1", v1)  // web.py rewrites identical data on every request
            let quiet = try await listener.waitForNotifications(timeout: .milliseconds(500))
            #expect(!quiet, "\(listener.drainNotifications())")
            #expect(try await changes() == [])

            // The queue feed's wakeup flag, as the daemon sets it when it finds the queue empty.
            if feed == .queue { _ = try await db.connection.query("UPDATE session_syncd.wakeup_public_sessions SET armed = true") }
            try await db.put("n1", v2)
            if feed == .notify { #expect(try await listener.waitForNotifications(timeout: .seconds(10))) }
            // The key as text: CHAR(n) padding stripped.
            #expect(try await changes() == ["n1"])

            try await db.put("n2", v1)  // INSERT notifies / queues
            if feed == .notify { #expect(try await listener.waitForNotifications(timeout: .seconds(10))) }
            #expect(try await changes() == ["n2"])
            if feed == .queue {
                // The wakeup: one NOTIFY (empty payload) from the first writer after the flag was set, then none.
                #expect(try await listener.waitForNotifications(timeout: .seconds(10)))
                #expect(listener.drainNotifications().map(\.payload) == [""])
                #expect(try await db.scalar("SELECT armed FROM session_syncd.wakeup_public_sessions") == "f")
                try await db.put("n2", v2)
                #expect(try await changes() == ["n2"])
                _ = try await listener.waitForNotifications(timeout: .milliseconds(300))
                #expect(listener.drainNotifications().isEmpty)
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
