import Foundation
import Logging
import Testing
@testable import SessionSyncd

/// journald's `<N>` priority prefix: when it is written (JOURNAL_STREAM names stderr) and what N is.
@Suite struct JournalPrefixTests {
    @Test func priorities() {
        let expected: [(Logger.Level, String)] = [(.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"),
                                                  (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>")]
        for (level, prefix) in expected { #expect(SyslogPriority.prefix(level) == prefix) }
    }

    @Test(arguments: LogSettings.Format.allCases)
    func eachLineStartsWithItsPriorityOnlyWhenAsked(format: LogSettings.Format) {
        for journal in [false, true] {
            let capture = LogLineCapture()
            let log = Logger(label: "t") {
                LoggingSetup.makeHandler(format: format, sharedLevel: LogLevelControl(.trace), label: $0, writer: capture.writer,
                                         clock: LogClock { (0, 0) }, syslogPrefix: journal)
            }
            log.info("one")
            log.warning("two")
            log.debug("three")
            let lines = capture.lines
            #expect(lines.count == 3)
            if journal {
                #expect(lines.map { String($0.prefix(3)) } == ["<6>", "<4>", "<7>"])
                // The rest of the line is exactly the plain line.
                #expect(lines[0].dropFirst(3).hasPrefix(format == .json ? "{\"ts\"" : "ts="))
            } else {
                #expect(lines.allSatisfy { !$0.hasPrefix("<") })
            }
        }
    }

    @Test func journalStreamMatchesOnlyTheFileItNames() throws {
        let a = DaemonProcess.newLogFile(), b = DaemonProcess.newLogFile()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let fd = open(a.path, O_WRONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(JournalStream.matches(try Self.journalStream(of: a), fd: fd))
        #expect(!JournalStream.matches(try Self.journalStream(of: b), fd: fd))
        for bad in [nil, "", "1", "x:y", "1:2:3", ":"] { #expect(!JournalStream.matches(bad, fd: fd)) }
        #expect(JournalStream.parse("64768:1234") ?? (0, 0) == (64768, 1234))
    }

    /// The daemon's own stderr: `<N>` on every line when `$JOURNAL_STREAM` names it; plain lines when the
    /// variable is absent or names another file (stderr redirected away from the journal).
    @Test func daemonLinesCarryThePriorityOnlyOnTheJournalStream() async throws {
        let db = try await DaemonTestDatabase.create()
        do {
            try await db.install()
            let other = DaemonProcess.newLogFile()
            defer { try? FileManager.default.removeItem(at: other) }
            for journal in ["matching", "absent", "other file"] {
                let log = DaemonProcess.newLogFile()
                var environment: [String: String] = [:]
                if journal == "matching" { environment["JOURNAL_STREAM"] = try Self.journalStream(of: log) }
                if journal == "other file" { environment["JOURNAL_STREAM"] = try Self.journalStream(of: other) }
                let daemon = try await db.startDaemon(environment: environment, logURL: log)
                // A warning too: a session whose uid has no user.
                try await db.put("j1", try TestPickle.base64("{'uid': 999, 'current_page': '/j', 'user_role': 'x'}"))
                #expect(try await daemon.waitForLog("session value not stored"))
                let text = daemon.log
                #expect(try await daemon.stop() == 0)
                let lines = text.split(separator: "\n")
                #expect(lines.count >= 4)
                if journal == "matching" {
                    #expect(lines.allSatisfy { $0.hasPrefix("<") }, "\(text)")
                    #expect(lines.contains { $0.hasPrefix("<6>ts=") && $0.contains("msg=\"caught up\"") })
                    #expect(lines.contains { $0.hasPrefix("<5>ts=") && $0.contains("msg=\"role changed\"") })
                    #expect(lines.contains { $0.hasPrefix("<4>ts=") && $0.contains("msg=\"session value not stored\"") })
                } else {
                    #expect(lines.allSatisfy { $0.hasPrefix("ts=") }, "\(journal): \(text)")
                }
                try await db.connection.execute("DELETE FROM sessions; DELETE FROM session_fields; DELETE FROM session_sync_errors")
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// `<st_dev>:<st_ino>` of `url`, as systemd writes `$JOURNAL_STREAM`.
    static func journalStream(of url: URL) throws -> String {
        var st = stat()
        guard stat(url.path, &st) == 0 else { throw DaemonTestSetupError(description: "stat \(url.path): errno \(errno)") }
        return "\(st.st_dev):\(st.st_ino)"
    }
}
