import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// PageScan: the catch-up's and resync's pages, each read and decoded while the one before it is written.
@Suite struct PageScanTests {
    /// Sessions k00…k(n-1) with current_page /p<i>.
    static func put(_ n: Int, into db: DaemonTestDatabase, page: (Int) -> String = { "/p\($0)" }) async throws {
        let values = try TestPickle.base64((0..<n).map { "{'uid': 1, 'current_page': '\(page($0))', 'user_role': 'a'}" })
        for i in 0..<n { try await db.put(String(format: "k%02d", i), values[i]) }
    }

    @Test func everyPageIsWrittenOnceInKeyOrderWhateverTheLimit() async throws {
        try await withDaemonDatabase { db, _ in
            try await db.install()
            try await Self.put(10, into: db)
            let pipeline = try await db.pipeline()
            for limit in [1, 3, 5, 10, 11] {
                try await db.connection.execute("TRUNCATE session_fields")
                var scan = PageScan(pipeline: pipeline, limit: limit, onlyOutOfSync: false)
                var pages: [Int] = []
                var written = 0
                while let step = try await scan.next(on: db.connection, logger: DaemonTestDatabase.logger) {
                    pages.append(step.sessions)
                    written += step.result.written
                }
                #expect(scan.isDone)
                #expect(pages.reduce(0, +) == 10, "limit \(limit)")
                #expect(pages.dropLast().allSatisfy { $0 == limit }, "limit \(limit): \(pages)")
                #expect(written == 10)
                #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "10")
                #expect(try await db.field("k07", "current_page") == "/p7")
            }
            // Catch-up over a synced table: nothing to read, done at once.
            var scan = PageScan(pipeline: pipeline, limit: 3, onlyOutOfSync: true)
            #expect(try await scan.next(on: db.connection, logger: DaemonTestDatabase.logger) == nil)
            #expect(scan.isDone)
        }
    }

    @Test func aPageDecodedAheadIsRefusedIfItsSessionChangedBeforeItsWrite() async throws {
        try await withDaemonDatabase { db, _ in
            try await db.install()
            try await Self.put(9, into: db)
            let pipeline = try await db.pipeline()
            var scan = PageScan(pipeline: pipeline, limit: 3, onlyOutOfSync: true)
            // Step 1 writes k00…k02 and leaves k03…k05 decoded, k06…k08 read.
            let first = try await scan.next(on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(first?.result.written == 3)
            try await db.put("k04", try TestPickle.base64(["{'uid': 1, 'current_page': '/changed', 'user_role': 'a'}"])[0])
            let second = try await scan.next(on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(second?.sessions == 3)
            #expect(second?.result.current == 2)
            #expect(try await db.fields("k04") == nil)  // the stale decode of /p4 was not written
            while try await scan.next(on: db.connection, logger: DaemonTestDatabase.logger) != nil {}
            // The next catch-up finds k04 out of sync and writes its new data.
            var again = PageScan(pipeline: pipeline, limit: 3, onlyOutOfSync: true)
            let step = try await again.next(on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(step?.sessions == 1)
            #expect(try await db.field("k04", "current_page") == "/changed")
            #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "9")
        }
    }

    @Test func afterAConnectionErrorTheScanRestartsAfterTheLastPageWritten() async throws {
        try await withDaemonDatabase { db, _ in
            try await db.install()
            try await Self.put(8, into: db)
            let pipeline = try await db.pipeline()
            let conn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            var scan = PageScan(pipeline: pipeline, limit: 3, onlyOutOfSync: false)
            _ = try await scan.next(on: conn, logger: DaemonTestDatabase.logger)
            #expect(scan.after?.hasPrefix("k02") == true)
            _ = try await db.scalar("SELECT pg_terminate_backend($1::int)", [.text(String(conn.backendPID))])
            await #expect(throws: PGError.self) { _ = try await scan.next(on: conn, logger: DaemonTestDatabase.logger) }
            conn.close()
            scan.restart()
            let fresh = try await PGConnection.connect(PGConnectionConfiguration(conninfo: db.conninfo), logger: DaemonTestDatabase.logger)
            defer { fresh.close() }
            var sessions = 0
            while let step = try await scan.next(on: fresh, logger: DaemonTestDatabase.logger) { sessions += step.sessions }
            #expect(sessions == 5)
            #expect(try await db.scalar("SELECT count(*) FROM session_fields") == "8")
        }
    }
}
