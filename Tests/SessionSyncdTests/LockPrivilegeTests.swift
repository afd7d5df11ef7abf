import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 2: no other role of the database can stall the sync. The writers' lock and the
/// leader lock are table locks on tables only the installer and the daemon's role may lock; the
/// advisory keys of earlier versions mean nothing any more; a privileged holder makes the waits
/// time out (logged, retried), never hang.
@Suite struct LockPrivilegeTests {
    /// The advisory keys the previous version serialized writers and elected the leader on: any
    /// role could take them (pg_advisory_lock needs no privilege).
    static func formerWritersKey(_ target: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in ("session-syncd " + target).utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: h)
    }

    static func formerLeaderKey(_ target: String, channel: String) -> Int64 {
        let digest = SHA256.hash(Array("session-syncd leader".utf8) + [0] + Array(target.utf8) + [0] + Array(channel.utf8))
        var v: UInt64 = 0
        for b in digest.prefix(8) { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }

    @Test func theWebAppRoleCannotTakeTheDaemonsLocksNorStallIt() async throws {
        try await withDaemonDatabase { db, daemon in
            let daemonRole = "sd_\(db.name)", appRole = "app_\(db.name)"
            try await db.connection.execute("""
                CREATE ROLE \(daemonRole) LOGIN; CREATE ROLE \(appRole) LOGIN;
                GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO \(appRole)
                """)
            let app = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(db.name) user=\(appRole)"), logger: DaemonTestDatabase.logger)
            do {
                var config = SyncConfiguration.defaults
                config.daemonRole = daemonRole
                try await db.install(config)
                // The web app reads the mirror.
                try await db.connection.execute("GRANT SELECT ON session_fields TO \(appRole)")

                // Every lock the daemon depends on is refused to the web app's role.
                for attempt in ["LOCK TABLE session_syncd.writers_public_session_fields IN EXCLUSIVE MODE",
                                "LOCK TABLE session_syncd.leader_public_session_fields IN EXCLUSIVE MODE",
                                "LOCK TABLE session_syncd.leader_public_session_fields IN ACCESS SHARE MODE",
                                "LOCK TABLE session_fields IN EXCLUSIVE MODE"] {
                    do throws(PGError) {
                        try await app.execute("BEGIN; \(attempt)")
                        Issue.record("the web app's role may run: \(attempt)")
                    } catch {
                        #expect(error.sqlState == "42501", "\(attempt): \(error)")
                    }
                    try await app.execute("ROLLBACK")
                }
                // It holds the advisory keys that froze the previous version, for the whole test.
                _ = try await app.query("SELECT pg_advisory_lock($1::bigint), pg_advisory_lock($2::bigint)", [
                    .text(String(Self.formerWritersKey("\"session_fields\""))),
                    .text(String(Self.formerLeaderKey("\"session_fields\"", channel: "session_syncd"))),
                ])

                daemon = try DaemonProcess(["run", "--dsn", "dbname=\(db.name) user=\(daemonRole)"])
                #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")  // it became the leader
                try await db.put("s1", try TestPickle.base64("{'uid': 3, 'current_page': '/a', 'user_role': 'r'}"), on: app)
                #expect(try await db.eventually { try await db.field("s1", "uid") == "3" }, "\(daemon!.log)")
                #expect(!daemon!.log.contains("held by a session of another role"), "\(daemon!.log)")
                _ = try await daemon?.stop()
                daemon = nil
            } catch {
                _ = try? await daemon?.stop()
                daemon = nil
                app.close()
                try? await db.connection.execute("DROP OWNED BY \(daemonRole), \(appRole); DROP ROLE \(daemonRole), \(appRole)")
                throw error
            }
            app.close()
            try await db.connection.execute("DROP OWNED BY \(daemonRole), \(appRole); DROP ROLE \(daemonRole), \(appRole)")
        }
    }

    /// The installer (or a superuser) can still hold the locks: the daemon's waits are bounded and
    /// logged, and it goes on once they are released.
    @Test func aPrivilegedHolderMakesBoundedLoggedWaits() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let holder = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { holder.close() }
            // The leader lock first: the daemon stands by and names the holder.
            try await holder.execute("BEGIN; LOCK TABLE session_syncd.leader_public_session_fields IN EXCLUSIVE MODE")
            let config = try db.configFile(feed: .notify, extra: "[database]\nlock_timeout_ms = 200\n[ha]\npoll_ms = 100\n")
            daemon = try DaemonProcess(["run", "--dsn", db.conninfo, "--config", config.path])
            #expect(try await daemon!.waitForLog("standing by"), "\(daemon!.log)")
            try await db.put("s1", try TestPickle.base64("{'uid': 1}"))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await db.fields("s1") == nil)  // standby: nothing written
            try await holder.execute("ROLLBACK")
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            #expect(try await db.eventually { try await db.field("s1", "uid") == "1" })

            // Then the writers' lock: the batch's LOCK TABLE times out, is logged and retried.
            try await holder.execute("BEGIN; LOCK TABLE session_syncd.writers_public_session_fields IN EXCLUSIVE MODE")
            try await db.put("s2", try TestPickle.base64("{'uid': 2}"))
            #expect(try await daemon!.waitForLog("lock timeout"), "\(daemon!.log)")
            #expect(try await db.fields("s2") == nil)
            try await holder.execute("ROLLBACK")
            #expect(try await db.eventually { try await db.field("s2", "uid") == "2" }, "\(daemon!.log)")
            #expect(try await db.errors("s2") == [:])  // a wait is not a bad session
        }
    }
}
