import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Issue 15 item 3: a value too long for its column's btree index (SQLSTATE 54000 if written)
/// makes that column alone NULL, with its error; the session's other columns are written, and
/// the batch is not split into one-by-one writes.
@Suite struct IndexLimitTests {
    @Test func twentyLongPagesAmongTwentyThousandSessionsKeepTheirOtherColumns() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            let pickles = try TestPickle.base64([
                "{'uid': 4, 'current_page': '/p', 'user_role': 'member'}",
                // ~3 KB of a URL that does not compress into an index entry.
                "{'uid': 5, 'current_page': '/search?q=' + ''.join(__import__('hashlib').sha256(str(i).encode()).hexdigest() for i in range(47)), 'user_role': 'admin'}",
            ])
            _ = try await db.connection.query("""
                INSERT INTO sessions (session_id, data)
                SELECT 's' || lpad(g::text, 5, '0'), CASE WHEN g % 1000 = 0 THEN $2 ELSE $1 END FROM generate_series(1, 20000) g
                """, [.text(pickles[0]), .text(pickles[1])])
            let started = ContinuousClock.now
            let r = try DaemonProcess.run(["resync", "--dsn", db.conninfo])
            let took = ContinuousClock.now - started
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stderr.contains("one by one"), "\(r.stderr.prefix(2000))")
            #expect(!r.stderr.contains("SQLSTATE 54000"), "\(r.stderr.prefix(2000))")
            print("resync of 20,000 sessions, 20 with a 3 KB current_page (debug build): \(took)")

            #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "20000")
            #expect(try await db.scalar("SELECT count(*) FROM session_fields WHERE uid = 5 AND user_role = 'admin' AND current_page IS NULL") == "20")
            #expect(try await db.scalar("SELECT count(*) FROM session_fields WHERE uid = 4 AND user_role = 'member' AND current_page = '/p'") == "19980")
            #expect(try await db.errors("s01000") == ["current_page": "over-long: 3018 bytes, at most \(ColumnConverter.indexedTextMaxBytes) (the column's btree index takes no more)"])
            #expect(try await db.scalar("SELECT count(*) FROM session_sync_errors") == "20")
            #expect(try await db.verifyReport().ok)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// A value that passes the converter but not its index (a numeric str of 6,401 random digits, about
    /// 3.2 KB as a numeric): the one-by-one retry makes that column NULL with its error, not the whole row.
    @Test func anIndexOverflowPastTheConverterNullsOnlyItsColumn() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            var config = SyncConfiguration.defaults
            config.columns.append(ColumnMapping(name: "n", type: .numeric))
            try await db.install(config)
            let pickles = try TestPickle.base64([
                "{'uid': 3, 'user_role': 'r', 'n': '9' + ''.join(str(int(c, 16) % 10) for c in ''.join(__import__('hashlib').sha256(str(i).encode()).hexdigest() for i in range(100)))}",
                "{'uid': 4, 'user_role': 'q', 'n': 12}",
            ])
            try await db.put("huge", pickles[0])
            try await db.put("fine", pickles[1])
            let result = try await db.pipeline(config).sync(keys: ["huge", "fine"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(result.written == 2)
            #expect(try await db.field("huge", "uid") == "3")
            #expect(try await db.field("huge", "user_role") == "r")
            #expect(try await db.field("huge", "n") == nil)
            #expect(try await db.errors("huge") == ["n": "over-long: too big for the column's btree index (SQLSTATE 54000)"])
            #expect(try await db.field("fine", "n") == "12")
            let report = try await db.verifyReport(config)
            #expect(report.withErrors == 1 && report.ok, "\(report)")
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
