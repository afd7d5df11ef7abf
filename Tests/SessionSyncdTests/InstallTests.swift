import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct InstallTests {
    /// Catalog rows (with xmin: any rewrite shows) of everything install creates or touches, except
    /// the install functions themselves (their files are re-applied with CREATE OR REPLACE).
    static let catalogSnapshot = """
        SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
          SELECT 'class ' || c.oid::regclass::text || ' ' || c.xmin::text FROM pg_class c
            WHERE c.relnamespace IN ('public'::regnamespace, 'session_syncd'::regnamespace)
          UNION ALL SELECT 'attr ' || attrelid::regclass::text || '.' || attname || ' ' || format_type(atttypid, atttypmod) || ' ' || a.xmin::text
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'public'::regnamespace AND attnum > 0 AND NOT attisdropped
          UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || xmin::text FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace
          UNION ALL SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid) || ' ' || xmin::text FROM pg_trigger WHERE NOT tgisinternal
          UNION ALL SELECT 'proc ' || proname || ' ' || xmin::text FROM pg_proc
            WHERE pronamespace = 'session_syncd'::regnamespace AND (proname LIKE 'notify%' OR proname LIKE 'enqueue%')
          UNION ALL SELECT 'acl ' || relname || ' ' || coalesce(relacl::text, '-') FROM pg_class WHERE relnamespace = 'public'::regnamespace
        ) s(x)
        """

    @Test(arguments: FeedSettings.Kind.allCases)
    func installTwiceChangesNothingAndCreatesTheDesignCardObjects(feed: FeedSettings.Kind) async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            let config = try db.configFile(feed: feed).path
            let first = try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", config])
            #expect(first.status == 0, "\(first.stderr)")
            let before = try await db.scalar(Self.catalogSnapshot)
            #expect(try await db.scalar("SELECT session_syncd.installed_feed('sessions')") == feed.rawValue)
            #expect(try await db.scalar("SELECT to_regclass('session_syncd.queue_public_sessions') IS NOT NULL") == (feed == .queue ? "t" : "f"))
            let second = try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", config])
            #expect(second.status == 0, "\(second.stderr)")
            let after = try await db.scalar(Self.catalogSnapshot)
            #expect(before == after)
            #expect(!first.stderr.contains("NOTICE"))

            // Same key type as the source, FK with cascade, typed columns with indexes and FK to users.
            #expect(try await db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'session_fields'::regclass AND attname = 'session_id'") == "character(40)")
            let constraints = try await db.scalar("SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'session_fields'::regclass")
            #expect(constraints?.contains("FOREIGN KEY (session_id) REFERENCES sessions(session_id) ON DELETE CASCADE") == true)
            #expect(constraints?.contains("FOREIGN KEY (uid) REFERENCES users(id) ON DELETE SET NULL") == true)
            #expect(constraints?.contains("PRIMARY KEY (session_id)") == true)
            #expect(try await db.scalar("SELECT count(*) FROM pg_index WHERE indrelid = 'session_fields'::regclass") == "4")
            #expect(try await db.scalar("SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'session_sync_errors'::regclass AND attnum > 0")
                    == "session_id:character(40),column_name:text,value_excerpt:text,reason:text,first_seen:timestamp with time zone,last_seen:timestamp with time zone,count:bigint")
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    @Test func sqlFilesApplyWithPsqlAsADBAWould() async throws {
        let db = try await DaemonTestDatabase.create()
        let files = try FileManager.default.contentsOfDirectory(atPath: EmbeddedSQLTests.sqlDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.name] + files.flatMap { ["-f", EmbeddedSQLTests.sqlDirectory.appendingPathComponent($0).path] }
            + ["-c", "SELECT session_syncd.setup('sessions', 'session_id', 'data', 'session_fields', 'session_sync_errors', 'session_syncd')"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try await db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'sessions'::regclass AND NOT tgisinternal") == "2")
        await db.drop()
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func daemonRoleGetsLeastPrivilegeAndCanSync(feed: FeedSettings.Kind) async throws {
        let db = try await DaemonTestDatabase.create()
        let role = "sd_\(db.name)"
        do {
            try await db.connection.execute("CREATE ROLE \(role) LOGIN")
            // What earlier versions granted (table-level SELECT): install takes it back (issue 15 item 8).
            try await db.connection.execute("GRANT SELECT ON users, sessions TO \(role)")
            var config = SyncConfiguration.defaults
            config.feed.kind = feed
            config.daemonRole = role
            try await db.install(config)
            try await db.put("s1", try TestPickle.base64("{'uid': 3, 'current_page': '/a', 'user_role': 'r'}"))

            let daemon = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(db.name) user=\(role)"), logger: DaemonTestDatabase.logger)
            defer { daemon.close() }
            let pipeline = try await SyncPipeline.load(config, on: daemon)
            var forbiddenForFeed: [String] = []
            if let queue = try await QueueTable.check(config, on: daemon) {
                // What the queue feed's daemon does: claim, write and delete, arm.
                let claim = try await queue.claim(limit: 10, on: daemon)
                #expect(claim.keys == ["s1"])
                let result = try await pipeline.sync(keys: claim.keys, acknowledging: claim.ack, on: daemon, logger: DaemonTestDatabase.logger)
                #expect(result.written == 1)
                #expect(try await db.queueEntries() == 0)
                try await queue.arm(on: daemon)
                forbiddenForFeed = ["INSERT INTO session_syncd.queue_public_sessions (session_id) VALUES ('x')",
                                    "DROP TABLE session_syncd.queue_public_sessions", "TRUNCATE session_syncd.queue_public_sessions",
                                    "DELETE FROM session_syncd.wakeup_public_sessions"]
            } else {
                let result = try await pipeline.sync(keys: ["s1"], on: daemon, logger: DaemonTestDatabase.logger)
                #expect(result.written == 1)
            }
            #expect(try await db.field("s1", "uid") == "3")
            // The web app's role needs nothing on session-syncd's objects: the queue trigger runs as the installer.
            try await db.connection.execute("GRANT INSERT, UPDATE ON sessions TO \(role)")
            _ = try await daemon.query("UPDATE sessions SET data = $1 WHERE session_id = 's1'", [.text(try TestPickle.base64("{'uid': 4}"))])
            if feed == .queue { #expect(try await db.queueEntries() == 1) }
            try await db.connection.execute("REVOKE INSERT, UPDATE ON sessions FROM \(role)")

            // Column privileges only: the referenced column of users, the key and data of sessions.
            #expect(try await db.scalar("SELECT has_table_privilege('\(role)', 'users', 'SELECT') OR has_table_privilege('\(role)', 'sessions', 'SELECT')") == "f")
            _ = try await daemon.query("SELECT id FROM users WHERE id = 3")
            for forbidden in forbiddenForFeed + ["SELECT name FROM users", "SELECT * FROM users", "SELECT atime FROM sessions",
                              "UPDATE sessions SET data = ''", "DELETE FROM users", "INSERT INTO users VALUES (999)",
                              "CREATE TABLE public.x (i int)", "DROP TABLE session_fields", "SELECT session_syncd.setup('sessions','session_id','data','a','b','c')"] {
                do {
                    _ = try await daemon.query(forbidden)
                    Issue.record("daemon role may run: \(forbidden)")
                } catch {
                    #expect(error.sqlState == "42501", "\(forbidden): \(error)")
                }
            }
        } catch {
            await db.drop()
            try? await dropRole(role)
            throw error
        }
        await db.drop()
        try await dropRole(role)
    }

    func dropRole(_ role: String) async throws {
        let admin = try await PGConnection.connect(PGConnectionConfiguration(conninfo: ""), logger: DaemonTestDatabase.logger)
        defer { admin.close() }
        try await admin.execute("DROP ROLE IF EXISTS \(role)")
    }
}
