import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct DaemonRunTests {
    @Test(arguments: FeedSettings.Kind.allCases)
    func sessionChangedWhileTheDaemonIsStoppedIsSyncedAfterStart(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(feed: feed)
            try await db.put("s1", try TestPickle.base64("{'uid': 1, 'current_page': '/one', 'user_role': 'a'}"))
            #expect(try await db.eventually { try await db.field("s1", "current_page") == "/one" })
            #expect(try await daemon!.stop() == 0)
            daemon = nil

            try await db.put("s1", try TestPickle.base64("{'uid': 2, 'current_page': '/two', 'user_role': 'a'}"))
            try await db.put("s2", try TestPickle.base64("{'uid': 3, 'current_page': '/new', 'user_role': 'b'}"))
            #expect(try await db.field("s1", "current_page") == "/one")
            if feed == .queue { #expect(try await db.queueEntries() == 2) }

            daemon = try await db.startDaemon(feed: feed)
            #expect(try await db.field("s1", "current_page") == "/two")
            #expect(try await db.field("s1", "uid") == "2")
            #expect(try await db.field("s2", "current_page") == "/new")
            #expect(try await db.settled(feed: feed))
        }
    }

    @Test(arguments: FeedSettings.Kind.allCases)
    func concurrentUpdatesToTheSameSessionsEndExactlyInSync(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install(feed: feed)
            let keys = (0..<10).map { "race\($0)" }
            let values = try TestPickle.base64((0..<60).map { "{'uid': \($0 % 50 + 1), 'current_page': '/p/\($0)', 'user_role': 'r\($0 % 3)'}" })
            for k in keys { try await db.put(k, values[0]) }
            daemon = try await db.startDaemon(feed: feed)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    let name = db.name
                    group.addTask {
                        let conn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(name)"), logger: DaemonTestDatabase.logger)
                        defer { conn.close() }
                        var rng = SystemRandomNumberGenerator()
                        for i in 0..<150 {
                            let key = keys[Int.random(in: 0..<keys.count, using: &rng)]
                            let value = values[(w * 150 + i) % values.count]
                            _ = try await conn.query("UPDATE sessions SET data = $2 WHERE session_id = $1", [.text(key), .text(value)])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await db.settled(feed: feed))
            // Exact: each row holds what a fresh decode of the session's final data gives.
            let rows = try await db.connection.query("""
                SELECT s.session_id::text, s.data, f.current_page, f.uid::text, f.user_role
                FROM sessions s JOIN session_fields f USING (session_id) ORDER BY 1
                """)
            #expect(rows.rowCount == keys.count)
            let decoder = SessionRowDecoder(columns: MappedColumn.all(.defaults), limits: .default)
            for r in 0..<rows.rowCount {
                let d = decoder.decode(SessionRow(key: rows[r, 0]!, data: rows.bytes(row: r, column: 1), hash: []))
                #expect(d.values == [rows[r, 3], rows[r, 2], rows[r, 4]])
            }
            let verify = try DaemonProcess.run(["verify", "--dsn", db.conninfo])
            #expect(verify.status == 0, "\(verify.stdout)")
        }
    }

    @Test func badSessionsInABatchAreRecordedAndNeverStopTheGoodOnesOrTheDaemon() async throws {
        try await withDaemonDatabase { db, daemon in
            let marker = "/tmp/session-syncd-pwned-\(db.name)"
            try await db.install()
            daemon = try await db.startDaemon()
            let good = try TestPickle.base64(["{'uid': 1, 'current_page': '/g1', 'user_role': 'a'}", "{'uid': 2, 'current_page': '/g2', 'user_role': 'b'}"])
            let fk = try TestPickle.base64("{'uid': 999, 'current_page': '/fk', 'user_role': 'c'}")
            let wrong = try TestPickle.base64("{'uid': 'seven', 'current_page': ['x'], 'user_role': 'd' * 10}")
            let hostile = try TestPickle.base64(rawPickle: "b\"cos\\nsystem\\n(S'touch \(marker)'\\ntR.\"")
            let hostileDict = try TestPickle.base64(rawPickle: "b\"(dp0\\nS'uid'\\np1\\ncos\\nsystem\\n(S'touch \(marker)'\\ntRp2\\ns.\"")
            // One transaction: all notifications arrive together and land in one batch.
            try await db.connection.execute("BEGIN")
            try await db.put("good1", good[0])
            try await db.put("fk", fk)
            try await db.put("undecodable", "gAN9cQAoWAMAAAB1aWRxAUsBdS4=garbage")
            try await db.put("hostile", hostile)
            try await db.put("hostiledict", hostileDict)
            try await db.put("wrong", wrong)
            try await db.put("good2", good[1])
            try await db.connection.execute("COMMIT")

            #expect(try await db.eventually { try await db.field("good2", "current_page") == "/g2" })
            #expect(try await db.field("good1", "uid") == "1")
            #expect(try await db.eventually { try await db.fields("hostiledict") != nil })
            for k in ["fk", "undecodable", "hostile", "wrong", "hostiledict"] {
                #expect(try await db.fields(k) != nil, "\(k) has no row")
                #expect(try await db.errors(k) != [:], "\(k) has no errors")
            }
            #expect(try await db.field("fk", "uid") == nil)
            #expect(try await db.field("fk", "current_page") == "/fk")
            #expect(try await db.errors("fk") == ["uid": "no row in users(id) has this value"])
            #expect(try await db.errors("undecodable").keys.sorted() == ["$data"])
            #expect(try await db.fields("undecodable")?["data_hash"] ?? nil != nil)
            #expect(try await db.field("hostile", "uid") == nil)
            #expect(try await db.field("hostiledict", "uid") == nil)
            #expect(try await db.errors("wrong").keys.sorted() == ["current_page", "uid"])
            #expect(try await db.field("wrong", "user_role") == "dddddddddd")
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(try await db.scalar("SELECT value_excerpt FROM session_sync_errors WHERE session_id = 'fk'") == "999")
            // The log names the session by its reference and the column; never the value, never the session id.
            let log = daemon!.log
            let bad = ["fk", "undecodable", "hostile", "hostiledict", "wrong"]
            for k in bad {
                #expect(log.contains("sync.session_ref=\(SessionRef(k))\n"), "no reference for \(k):\n\(log)")
            }
            #expect(logfmtValues(log).contains(SessionRef("fk").description) && logfmtValues(log).contains("uid"))
            #expect(Set(logfmtValues(log)).isDisjoint(with: bad), "a session id was logged:\n\(log)")
            #expect(!log.contains("hostiledict") && !log.contains("session_id"), "\(log)")
            // The documented query takes an operator from the logged reference to the (CHAR(40), space-padded) row.
            let found = try await db.connection.query(DaemonLogTests.documentedQuery, [.text(SessionRef("fk").description)])
            #expect(found.rowCount == 1 && found[0, 0]?.trimmingCharacters(in: .whitespaces) == "fk" && found[0, 0]?.count == 40)
            #expect(!daemon!.log.contains("/fk"))
            #expect(!daemon!.log.contains("seven"))
            #expect(daemon!.exitStatus == nil)

            // Fixed sessions sync cleanly and their errors are cleared; a change of another session still flows.
            try await db.put("fk", good[0])
            try await db.put("wrong", good[1])
            try await db.put("undecodable", good[0])
            #expect(try await db.eventually {
                let fk = try await db.errors("fk"), wrong = try await db.errors("wrong"), undecodable = try await db.errors("undecodable")
                return fk.isEmpty && wrong.isEmpty && undecodable.isEmpty
            })
            #expect(try await db.field("wrong", "uid") == "2")
            #expect(try await db.scalar("SELECT count(DISTINCT session_id) FROM session_sync_errors") == "2")  // the hostile two remain
        }
    }

    @Test func sighupReloadFillsANewlyMappedColumn() async throws {
        try await withDaemonDatabase { db, daemon in
            let configURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(db.name).toml")
            defer { try? FileManager.default.removeItem(at: configURL) }
            try "[log]\nlevel = \"info\"\n".write(to: configURL, atomically: true, encoding: .utf8)
            #expect(try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", configURL.path]).status == 0)
            try await db.put("old", try TestPickle.base64("{'uid': 1, 'current_page': '/o', 'user_role': 'a', 'user': {'email': 'old@example.com'}}"))
            daemon = try await db.startDaemon(config: configURL.path)
            #expect(try await db.field("old", "current_page") == "/o")

            try """
                [log]
                level = "info"
                [[column]]
                name = "email"
                path = "user.email"
                type = "text"
                max_length = 320
                """.write(to: configURL, atomically: true, encoding: .utf8)
            let install = try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", configURL.path])
            #expect(install.status == 0, "\(install.stderr)")
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded"), "\(daemon!.log)")
            #expect(try await db.eventually { try await db.field("old", "email") == "old@example.com" })
            try await db.put("new", try TestPickle.base64("{'uid': 2, 'current_page': '/n', 'user_role': 'b', 'user': {'email': 'new@example.com'}}"))
            #expect(try await db.eventually { try await db.field("new", "email") == "new@example.com" })
        }
    }

    @Test func deletedSessionsVanishWithTheirErrors() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            try await db.put("d1", try TestPickle.base64("{'uid': 1, 'current_page': '/d', 'user_role': 'a'}"))
            try await db.put("d2", "not base64 !")
            let result = try await db.pipeline().sync(keys: ["d1", "d2"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(result.written == 2)
            #expect(try await db.scalar("SELECT count(*) FROM session_sync_errors") == "1")
            _ = try await db.connection.query("DELETE FROM sessions")
            #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "0")
            #expect(try await db.scalar("SELECT count(*) FROM session_sync_errors") == "0")
            // A user deleted: uid becomes NULL (ON DELETE SET NULL), the session stays.
            try await db.put("d3", try TestPickle.base64("{'uid': 5, 'current_page': '/d', 'user_role': 'a'}"))
            _ = try await db.pipeline().sync(keys: ["d3"], on: db.connection, logger: DaemonTestDatabase.logger)
            _ = try await db.connection.query("DELETE FROM users WHERE id = 5")
            #expect(try await db.field("d3", "current_page") == "/d")
            #expect(try await db.field("d3", "uid") == nil)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}

@Suite struct DaemonReconnectTests {
    @Test(arguments: FeedSettings.Kind.allCases)
    func changesMadeWhileBothConnectionsAreDownAreSyncedAfterReconnect(feed: FeedSettings.Kind) async throws {
        try await withDaemonDatabase { db, daemon in
            let configURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(db.name).toml")
            defer { try? FileManager.default.removeItem(at: configURL) }
            try "[source]\nfeed = \"\(feed.rawValue)\"\n[listen]\nreconnect_initial_ms = 50\nreconnect_max_s = 1\n[log]\nstats_interval_s = 1\n".write(to: configURL, atomically: true, encoding: .utf8)
            try await db.install(feed: feed)
            daemon = try await db.startDaemon(config: configURL.path)
            try await db.put("r1", try TestPickle.base64("{'uid': 1, 'current_page': '/before', 'user_role': 'a'}"))
            #expect(try await db.eventually { try await db.field("r1", "current_page") == "/before" })

            let killed = try await db.scalar("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'session-syncd' AND pid <> pg_backend_pid()
                """)
            #expect(killed == "2")
            try await db.put("r1", try TestPickle.base64("{'uid': 2, 'current_page': '/during', 'user_role': 'a'}"))
            try await db.put("r2", try TestPickle.base64("{'uid': 3, 'current_page': '/new', 'user_role': 'a'}"))
            #expect(try await db.eventually { try await db.field("r1", "current_page") == "/during" })
            #expect(try await db.eventually { try await db.field("r2", "current_page") == "/new" })
            #expect(try await daemon!.waitForLog("pg.generation=2"))
            // The periodic stats line, with the lag figures.
            #expect(try await daemon!.waitForLog("stats.lag_p50_ms="), "\(daemon!.log)")
            #expect(daemon!.log.contains("msg=\"stats\""))
            #expect(try await db.settled(feed: feed))
        }
    }
}

/// The values of a logfmt log's `key=value` pairs, without their quotes (escapes left as written).
func logfmtValues(_ log: String) -> [String] {
    let pair = try! Regex(#"[^ \n=]+=("(?:[^"\\]|\\.)*"|[^ \n]*)"#)
    return log.matches(of: pair).map { m in
        let v = String(log[m.output[1].range!])
        return v.hasPrefix("\"") ? String(v.dropFirst().dropLast()) : v
    }
}

@Suite struct DaemonLogTests {
    @Test func logsNeverHoldThePasswordOrSessionContents() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            // Local connections use trust authentication here: the password is accepted and ignored.
            daemon = try DaemonProcess(["run", "--dsn", "dbname=\(db.name) password=Hunter2-secret"])
            #expect(try await daemon!.waitForLog("caught up"), "\(daemon!.log)")
            // A web.py session id (40 hex digits): a credential, so the log holds its reference only.
            let id = "5f2b8c0e9d41a7b36c0f1e2d3a4b5c6d7e8f9a0b"
            try await db.put(id, try TestPickle.base64("{'uid': 77777, 'current_page': '/private/medical-record', 'user_role': 'patient'}"))
            #expect(try await db.eventually { try await db.fields(id) != nil })
            #expect(try await daemon!.waitForLog("sync.session_ref=\(SessionRef(id))"), "\(daemon!.log)")
            let log = daemon!.log
            #expect(!log.contains(id), "\(log)")
            #expect(!log.contains(String(id.prefix(12))))
            // The documented query finds the session of the reference the daemon logged.
            let found = try await db.connection.query(Self.documentedQuery, [.text(SessionRef(id).description)])
            #expect(found.rowCount == 1 && found[0, 0] == id)
            #expect(!log.contains("Hunter2"))
            #expect(!log.contains("medical-record"))
            #expect(!log.contains("77777"))
            #expect(!log.contains("patient"))
        }
    }

    /// docs/daemon.md's query from a log line's `sync.session_ref` to the session, with `'<ref>'` as `$1`.
    static var documentedQuery: String {
        get throws {
            let query = "SELECT session_id FROM sessions WHERE left(encode(sha256(convert_to(session_id::text, 'UTF8')), 'hex'), 12) = '<ref>';"
            let docs = try ConfigTestSupport.readText("docs/daemon.md")
            #expect(docs.contains(query), "docs/daemon.md no longer shows the query this test checks")
            return query.replacingOccurrences(of: "'<ref>'", with: "$1").replacingOccurrences(of: ";", with: " ORDER BY 1")
        }
    }

    /// For every key type: the documented query maps each session's reference back to exactly that session
    /// (CHAR(n) padding, trailing spaces in VARCHAR/TEXT, non-ASCII, ids as long as the column).
    @Test(arguments: KeyTypeTests.keyTypes)
    func documentedQueryFindsTheSessionOfEveryReference(keyType: String) async throws {
        let db = try await DaemonTestDatabase.create("CREATE TABLE sessions (session_id \(keyType) PRIMARY KEY, data text)")
        do {
            var ids = ["a", "fk", "5f2b8c0e9d41a7b36c0f1e2d3a4b5c6d7e8f9a0b", "café-☃-😀", "with space", String(repeating: "z", count: 40)]
            // CHAR(n) cannot keep trailing spaces; in VARCHAR/TEXT `tsp` and `tsp   ` are two sessions (issue 15 item 8).
            if !keyType.hasPrefix("char") { ids += ["trailing  ", "tsp", "tsp   "] }
            for id in ids {
                _ = try await db.connection.query("INSERT INTO sessions VALUES ($1, '')", [.text(id)])
            }
            for id in ids {
                let found = try await db.connection.query(Self.documentedQuery, [.text(SessionRef(id).description)])
                #expect(found.rowCount == 1, "\(keyType) \(id)")
                // The text a CHAR(n) column returns is padded to n; `id` never ends in a space there.
                let key = keyType.hasPrefix("char") ? found[0, 0].map { String($0.reversed().drop { $0 == " " }.reversed()) } : found[0, 0]
                #expect(key == id, "\(keyType) \(id)")
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
