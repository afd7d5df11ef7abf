import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// `[[column]] required`: a missing key is NULL; only a required column records it (errors table and a warning).
@Suite struct RequiredKeyTests {
    /// cart_total is sparse (not required); email is required; the default columns are not required.
    static let emailRequired = """
        [log]
        level = "info"
        [[column]]
        name = "cart_total"
        type = "numeric"
        [[column]]
        name = "email"
        path = "user.email"
        required = true
        """

    /// The same columns with the flags the other way round.
    static let cartRequired = """
        [log]
        level = "info"
        [[column]]
        name = "cart_total"
        type = "numeric"
        required = true
        [[column]]
        name = "email"
        path = "user.email"
        """

    /// The columns of a log's "session value not stored" warnings for one session, in log order.
    static func warnedColumns(_ log: String, _ key: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("msg=\"session value not stored\"") && $0.contains("sync.session_ref=\(SessionRef(key))") }
            .compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("sync.column=") }.map { String($0.dropFirst("sync.column=".count)) }
            }
    }

    /// `verify` with a configuration file: (exit status, counts).
    static func verify(_ db: DaemonTestDatabase, _ config: URL) throws -> (status: Int32, counts: [String: Int]) {
        try db.verifyCommand(config: config)
    }

    @Test func runVerifyAndResyncRecordMissingKeysOfRequiredColumnsOnly() async throws {
        try await withDaemonDatabase { db, daemon in
            let first = FileManager.default.temporaryDirectory.appendingPathComponent("\(db.name)-email.toml")
            let second = FileManager.default.temporaryDirectory.appendingPathComponent("\(db.name)-cart.toml")
            defer {
                try? FileManager.default.removeItem(at: first)
                try? FileManager.default.removeItem(at: second)
            }
            try Self.emailRequired.write(to: first, atomically: true, encoding: .utf8)
            try Self.cartRequired.write(to: second, atomically: true, encoding: .utf8)
            let install = try DaemonProcess.run(["install", "--dsn", db.conninfo, "--config", first.path])
            #expect(install.status == 0, "\(install.stderr)")
            daemon = try await db.startDaemon(config: first.path)

            let values = try TestPickle.base64([
                "{'current_page': '/p'}",
                "{'uid': None, 'current_page': '/n', 'user': {'email': None}}",
                "{'uid': 1, 'current_page': '/f', 'user_role': 'a', 'cart_total': decimal.Decimal('9.50'), 'user': {'email': 'a@b.c'}}",
                "{'current_page': '/p', 'cart_total': 12}",
            ])
            try await db.connection.execute("BEGIN")
            try await db.put("sparse", values[0])
            try await db.put("nones", values[1])
            try await db.put("full", values[2])
            try await db.connection.execute("COMMIT")
            #expect(try await db.eventually {
                let rows = [try await db.fields("sparse"), try await db.fields("nones"), try await db.fields("full")]
                return rows.allSatisfy { $0 != nil }
            })

            // Missing keys are NULL; only the required one (email) is an error, and only it is logged.
            let sparse = try await db.fields("sparse")
            #expect(sparse?["current_page"] == "/p")
            for column in ["uid", "user_role", "cart_total", "email"] { #expect(sparse?[column] == .some(nil), "\(column)") }
            #expect(try await db.errors("sparse") == ["email": "missing key"])
            // None is NULL without an error, also in a required column and as a step of its path.
            #expect(try await db.field("nones", "email") == nil)
            #expect(try await db.errors("nones") == [:])
            #expect(try await db.field("full", "cart_total") == "9.50")
            #expect(try await db.field("full", "email") == "a@b.c")
            #expect(try await db.errors("full") == [:])
            #expect(try await daemon!.waitForLog("sync.session_ref=\(SessionRef("sparse"))"), "\(daemon!.log)")
            var log = daemon!.log
            #expect(Self.warnedColumns(log, "sparse") == ["email"], "\(log)")
            #expect(Self.warnedColumns(log, "nones") == [], "\(log)")
            #expect(Self.warnedColumns(log, "full") == [], "\(log)")
            #expect(log.components(separatedBy: "session value not stored").count - 1 == 1, "\(log)")

            var v = try Self.verify(db, first)
            #expect(v.status == 0)
            #expect(v.counts["with recorded errors"] == 1)
            // `required` is part of mapping_hash: under the other flags every row is stale until re-synced.
            v = try Self.verify(db, second)
            #expect(v.status == 1)
            #expect(v.counts["stale"] == 3)

            // Flip the flags and reload: the catch-up clears email's error and records cart_total's.
            try Self.cartRequired.write(to: first, atomically: true, encoding: .utf8)
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded"), "\(daemon!.log)")
            #expect(try await db.eventually {
                let sparse = try await db.errors("sparse"), nones = try await db.errors("nones")
                return sparse == ["cart_total": "missing key"] && nones == ["cart_total": "missing key"]
            }, "\(daemon!.log)")
            #expect(try await db.errors("full") == [:])
            #expect(try await daemon!.waitForLog("sync.session_ref=\(SessionRef("nones"))"), "\(daemon!.log)")
            log = daemon!.log
            #expect(Self.warnedColumns(log, "sparse") == ["email", "cart_total"], "\(log)")
            #expect(Self.warnedColumns(log, "nones") == ["cart_total"], "\(log)")
            v = try Self.verify(db, second)
            #expect(v.status == 0)
            #expect(v.counts["with recorded errors"] == 2)

            // The key appears: its error is cleared like any resolved problem.
            try await db.put("sparse", values[3])
            #expect(try await db.eventually { try await db.field("sparse", "cart_total") == "12" })
            #expect(try await db.errors("sparse") == [:])
            #expect(try await daemon!.stop() == 0)
            daemon = nil

            // resync with email required again: the same errors `run` records under that configuration.
            try Self.emailRequired.write(to: first, atomically: true, encoding: .utf8)
            let resync = try DaemonProcess.run(["resync", "--dsn", db.conninfo, "--config", first.path])
            #expect(resync.status == 0, "\(resync.stderr)")
            #expect(resync.stdout.contains("3 written, 1 problems recorded"), "\(resync.stdout)")
            #expect(Self.warnedColumns(resync.stderr, "sparse") == ["email"], "\(resync.stderr)")
            #expect(resync.stderr.components(separatedBy: "session value not stored").count - 1 == 1, "\(resync.stderr)")
            #expect(try await db.errors("sparse") == ["email": "missing key"])
            #expect(try await db.errors("nones") == [:])
            v = try Self.verify(db, first)
            #expect(v.status == 0)
            #expect(v.counts == ["sessions": 3, "in sync": 3, "missing": 0, "stale": 0, "orphaned": 0, "with recorded errors": 1, "null data": 0])
        }
    }

    /// A "missing key" error written before (by an older release, where every mapped key was required, or
    /// under `required = true`) is cleared by the catch-up once the column is not required.
    @Test func anOldMissingKeyErrorIsClearedByTheCatchUp() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            var strict = SyncConfiguration.defaults
            for i in strict.columns.indices { strict.columns[i].required = true }
            let values = try TestPickle.base64(["{'uid': 1, 'current_page': '/o'}", "{'uid': 1, 'current_page': '/o', 'user_role': 'a'}"])
            try await db.put("old", values[0])
            let before = try await db.pipeline(strict).sync(keys: ["old"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(before.problems == 1)
            #expect(try await db.errors("old") == ["user_role": "missing key"])
            #expect(try await db.verifyReport(strict).ok)

            // The default mapping (nothing required) finds the row stale and re-syncs it in its catch-up.
            var report = try await db.verifyReport()
            #expect(report.stale == 1 && report.withErrors == 1 && !report.ok)
            let pipeline = try await db.pipeline()
            let page = try await pipeline.reader.page(after: nil, limit: 100, onlyOutOfSync: true, mappingHash: pipeline.mappingHash, on: db.connection)
            #expect(page.map(\.key) == ["old"])  // char(40) read as text: no padding
            let after = try await pipeline.sync(rows: page, on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(after.written == 1 && after.problems == 0)
            #expect(try await db.errors("old") == [:])
            #expect(try await db.field("old", "user_role") == nil)
            report = try await db.verifyReport()
            #expect(report.ok && report.withErrors == 0)

            // Required again, then the key appears: recorded, then cleared.
            _ = try await db.pipeline(strict).sync(keys: ["old"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(try await db.errors("old") == ["user_role": "missing key"])
            try await db.put("old", values[1])
            _ = try await db.pipeline(strict).sync(keys: ["old"], on: db.connection, logger: DaemonTestDatabase.logger)
            #expect(try await db.errors("old") == [:])
            #expect(try await db.field("old", "user_role") == "a")
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}
