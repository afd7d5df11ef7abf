import Foundation
import Testing
@testable import SessionSyncd

/// `systemctl reload` (SIGHUP) changes the log level of the running daemon, without a restart.
@Suite struct LogLevelReloadTests {
    /// info → debug: "batch synced" (a debug line) appears; an invalid file keeps debug; back to info: it
    /// stops. The LISTEN connection is the first one throughout (no reconnect, no second `listening`).
    @Test func sighupRaisesAndLowersTheLogLevelOfTheRunningDaemon() async throws {
        try await withDaemonDatabase { db, daemon in
            let configURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(db.name).toml")
            defer { try? FileManager.default.removeItem(at: configURL) }
            func config(_ log: String) throws { try "[log]\n\(log)\n".write(to: configURL, atomically: true, encoding: .utf8) }
            func batchLines(_ daemon: DaemonProcess) -> Int { daemon.log.components(separatedBy: "msg=\"batch synced\"").count - 1 }
            try config("level = \"info\"")
            try await db.install()
            daemon = try await db.startDaemon(config: configURL.path)
            try await db.put("a", try TestPickle.base64("{'uid': 1, 'current_page': '/a', 'user_role': 'x'}"))
            #expect(try await db.eventually { try await db.field("a", "current_page") == "/a" })
            try await Task.sleep(for: .milliseconds(300))
            #expect(batchLines(daemon!) == 0, "info: no debug lines\n\(daemon!.log)")

            // Up to debug; the format is restart-only and the warning says so.
            try config("level = \"debug\"\nformat = \"json\"")
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded"), "\(daemon!.log)")
            #expect(daemon!.log.contains("msg=\"log level changed\" log.new_level=debug log.old_level=info"), "\(daemon!.log)")
            #expect(daemon!.log.contains("config.restart_only=log.format"), "\(daemon!.log)")
            try await db.put("b", try TestPickle.base64("{'uid': 2, 'current_page': '/b', 'user_role': 'x'}"))
            #expect(try await daemon!.waitForLog("msg=\"batch synced\""), "debug lines after the reload\n\(daemon!.log)")
            #expect(!daemon!.log.contains("{\"ts\""), "still logfmt")

            // An invalid file: the reload fails and debug stays.
            try config("level = \"loud\"")
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("reload failed; keeping the running configuration"), "\(daemon!.log)")
            let before = batchLines(daemon!)
            try await db.put("c", try TestPickle.base64("{'uid': 3, 'current_page': '/c', 'user_role': 'x'}"))
            #expect(try await db.eventually { batchLines(daemon!) > before }, "debug kept after a bad reload\n\(daemon!.log)")

            // A file on which toml++ 3.4 (TOMLKit) would abort the process: refused the same way; the daemon lives on.
            try "[\nlevel = \"info\"\n".write(to: configURL, atomically: true, encoding: .utf8)
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("reload failed; keeping the running configuration", count: 2), "\(daemon!.log)")

            // Back to info.
            try config("level = \"info\"")
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded", count: 2), "\(daemon!.log)")
            #expect(daemon!.log.contains("msg=\"log level changed\" log.new_level=info log.old_level=debug"), "\(daemon!.log)")
            let atInfo = batchLines(daemon!)
            try await db.put("d", try TestPickle.base64("{'uid': 4, 'current_page': '/d', 'user_role': 'x'}"))
            #expect(try await db.eventually { try await db.field("d", "current_page") == "/d" })
            try await Task.sleep(for: .milliseconds(500))
            #expect(batchLines(daemon!) == atInfo, "no debug lines back at info\n\(daemon!.log)")

            // One LISTEN connection all along.
            #expect(daemon!.log.components(separatedBy: "msg=\"listening; catching up\"").count - 1 == 1)
            #expect(!daemon!.log.contains("pg.generation=2"))
        }
    }
}
