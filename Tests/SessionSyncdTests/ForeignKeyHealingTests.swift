import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 6: foreign-key values heal. A uid whose user is created later is filled by the
/// next catch-up; a privilege revoked from the daemon's role is reported (errors table, log) and
/// the sessions are written once it is granted back, without a restart. Both feeds.
@Suite struct ForeignKeyHealingTests {
    @Test(arguments: FeedSettings.Kind.allCases)
    func uidOfAUserCreatedLaterIsFilledByTheNextCatchUp(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(feed: feed)
            try await db.put("early", try TestPickle.base64("{'uid': 777, 'current_page': '/e', 'user_role': 'r'}"))
            #expect(try await db.eventually { try await db.errors("early") == ["uid": "no row in users(id) has this value"] })
            #expect(try await db.field("early", "current_page") == "/e")
            #expect(try await db.field("early", "uid") == nil)

            _ = try await db.connection.query("INSERT INTO users VALUES (777, 'late')")
            _ = try await daemon?.stop()
            daemon = try await db.startDaemon(feed: feed)  // its catch-up retries the recorded reference
            #expect(try await db.eventually { try await db.field("early", "uid") == "777" })
            #expect(try await db.errors("early") == [:])
            #expect(try await db.verifyReport().ok)

            // A reload's catch-up does it too, without a restart.
            try await db.put("early2", try TestPickle.base64("{'uid': 778}"))
            #expect(try await db.eventually { try await db.errors("early2").count == 1 })
            _ = try await db.connection.query("INSERT INTO users VALUES (778, 'later')")
            daemon?.signal(SIGHUP)
            #expect(try await db.eventually { try await db.field("early2", "uid") == "778" })
            #expect(try await db.errors("early2") == [:])
        }
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func revokedPrivilegeIsReportedAndRecoveredWhenGrantedBack(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            let role = "sd_\(db.name)"
            try await db.connection.execute("CREATE ROLE \(role) LOGIN")
            do {
                var config = SyncConfiguration.defaults
                config.feed.kind = feed
                config.daemonRole = role
                try await db.install(config)
                let file = try db.configFile(feed: feed, extra: "[listen]\nreconnect_max_s = 1\n")
                daemon = try DaemonProcess(["run", "--dsn", "dbname=\(db.name) user=\(role)", "--config", file.path])
                #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")

                try await db.connection.execute("REVOKE SELECT (id) ON users FROM \(role)")
                try await db.put("p1", try TestPickle.base64("{'uid': 3, 'current_page': '/p', 'user_role': 'r'}"))
                #expect(try await db.eventually {
                    try await db.errors("p1")["$row"]?.hasPrefix("not written: permission denied for table users (SQLSTATE 42501)") == true
                }, "\(daemon!.log)")
                #expect(try await daemon!.waitForLog("lacks a privilege"), "\(daemon!.log)")
                #expect(try await db.fields("p1") == nil)

                try await db.connection.execute("GRANT SELECT (id) ON users TO \(role)")
                #expect(try await db.eventually { try await db.field("p1", "uid") == "3" }, "\(daemon!.log)")
                #expect(try await db.errors("p1") == [:])
                #expect(try await db.settled(feed: feed))
                _ = try await daemon?.stop()
                daemon = nil
            } catch {
                _ = try? await daemon?.stop()
                daemon = nil
                try? await db.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
                throw error
            }
            try await db.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
        }
    }
}
