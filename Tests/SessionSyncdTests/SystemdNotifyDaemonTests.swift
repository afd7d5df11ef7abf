import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// `run` under a stand-in for systemd: its sd_notify datagrams captured on a test socket (path and
/// abstract), against the test cluster.
@Suite struct SystemdNotifyDaemonTests {
    static let pending = 20_000

    @Test func readyOnlyOnceTwentyThousandPendingSessionsAreSynced() async throws {
        let receiver = try NotifyReceiver(abstract: false)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            _ = try await db.connection.query(
                "INSERT INTO sessions (session_id, data) SELECT 'pending' || g, $1 FROM generate_series(1, \(Self.pending)) g",
                [.text(try TestPickle.base64("{'uid': 7, 'current_page': '/pending', 'user_role': 'p'}"))])
            let started = ContinuousClock.now
            daemon = try DaemonProcess(["run", "--dsn", db.conninfo], environment: ["NOTIFY_SOCKET": receiver.environmentValue])
            // Watch from the outside: whenever READY=1 has been seen, every session must already be in session_fields.
            var synced = 0
            let end = ContinuousClock.now + .seconds(300)
            while ContinuousClock.now < end, daemon!.exitStatus == nil {
                let readySeen = receiver.count("READY=1") > 0
                synced = Int(try await db.scalar("SELECT count(*) FROM session_fields") ?? "") ?? -1
                if readySeen { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let ready = try #require(receiver.first("READY=1"), "no READY=1; log:\n\(daemon!.log)")
            #expect(synced == Self.pending, "READY=1 with \(synced) of \(Self.pending) sessions synced")
            #expect(receiver.count("READY=1") == 1)
            // Before READY the daemon said it was starting and catching up; at READY, the summary.
            let statuses = receiver.fields.filter { $0.hasPrefix("STATUS=") }
            #expect(statuses.first == "STATUS=\(NotifyStatus.starting)")
            #expect(statuses.last?.hasPrefix("STATUS=active: ") == true, "\(statuses)")
            #expect(daemon!.log.contains("msg=\"caught up\" sync.duration_ms="))
            // The start timeout was extended while the catch-up went on, never after READY=1.
            let fields = receiver.fields
            let readyAt = try #require(fields.firstIndex(of: "READY=1"))
            let extensions = fields.indices.filter { fields[$0].hasPrefix("EXTEND_TIMEOUT_USEC=") }
            #expect(!extensions.isEmpty, "no EXTEND_TIMEOUT_USEC= before READY=1: \(fields.prefix(20))")
            #expect(extensions.allSatisfy { $0 < readyAt && fields[$0] == "EXTEND_TIMEOUT_USEC=30000000" }, "\(fields.prefix(30))")
            #expect(statuses.contains { $0.hasPrefix("STATUS=\(NotifyStatus.catchingUp), ") && $0.hasSuffix(" sessions so far") })
            let took = ready.at - started
            print("start → READY=1 with \(Self.pending) pending sessions: \(StatsLine.milliseconds(took)) ms (debug build unless SESSION_SYNCD_BIN says otherwise)")
            #expect(try await db.verifyReport().ok)
        }
        #expect(try await receiver.waitFor("STOPPING=1"))
        #expect(receiver.count("STOPPING=1") == 1)
    }

    @Test func abstractSocketReloadingAroundSIGHUPAndStoppingOnSIGTERM() async throws {
        let receiver = try NotifyReceiver(abstract: true)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let config = try db.configFile(feed: .notify)
            daemon = try await db.startDaemon(config: config.path, environment: ["NOTIFY_SOCKET": receiver.environmentValue])
            #expect(try await receiver.waitFor("READY=1"))

            daemon!.signal(SIGHUP)
            #expect(try await receiver.waitFor("READY=1", count: 2), "no READY=1 after the reload; log:\n\(daemon!.log)")
            #expect(try await daemon!.waitForLog("configuration reloaded"))
            let texts = receiver.datagrams.map(\.text)
            let reloading = try #require(texts.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
            #expect(texts.firstIndex(of: "READY=1")! < reloading)
            #expect(texts.lastIndex(of: "READY=1")! > reloading)
            // MONOTONIC_USEC is CLOCK_MONOTONIC (system-wide) at the reload: now minus a little.
            let usec = UInt64(texts[reloading].split(separator: "=").last!)!
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let now = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
            #expect(usec <= now && now - usec < 60_000_000)
            // A session still syncs after the reload.
            try await db.put("after-reload", try TestPickle.base64("{'uid': 3, 'current_page': '/r', 'user_role': 'x'}"))
            #expect(try await db.eventually { try await db.field("after-reload", "current_page") == "/r" })
            #expect(receiver.count("STOPPING=1") == 0)
            // The one socket the notifier opened (what the test without NOTIFY_SOCKET finds none of).
            let sockets = try Self.datagramSockets(of: daemon!.pid)
            #expect(sockets == 1, "\(sockets) datagram sockets")
        }
        #expect(try await receiver.waitFor("STOPPING=1"))
        #expect(receiver.fields.last == "STOPPING=1")
    }

    @Test func aStandbyIsReadyOnceItStandsBy() async throws {
        let first = try NotifyReceiver(abstract: true), second = try NotifyReceiver(abstract: false)
        defer { first.close(); second.close() }
        try await withDaemonDatabase { db, active in
            try await db.install()
            active = try await db.startDaemon(environment: ["NOTIFY_SOCKET": first.environmentValue])
            #expect(try await first.waitFor("READY=1"))
            let standby = try await db.startDaemon(environment: ["NOTIFY_SOCKET": second.environmentValue],
                                                   waitFor: "standing by until this instance holds the leader lock")
            do {
                #expect(try await second.waitFor("READY=1"), "standby sent no READY=1; log:\n\(standby.log)")
                #expect(second.fields.contains("STATUS=\(NotifyStatus.standingBy)"))
                #expect(!standby.log.contains("caught up"))
            } catch {
                _ = try? await standby.stop()
                throw error
            }
            let log = standby.log
            let status = try await standby.stop()
            #expect(status == 0, "\(log)")
        }
    }

    @Test func watchdogPingsStopWhileTheServerIsStoppedAndResumeAfter() async throws {
        let receiver = try NotifyReceiver(abstract: false)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            // A 1 s watchdog: a ping every 0.5 s.
            daemon = try await db.startDaemon(environment: ["NOTIFY_SOCKET": receiver.environmentValue, "WATCHDOG_USEC": "1000000"])
            #expect(try await receiver.waitFor("WATCHDOG=1", count: 3), "no pings; log:\n\(daemon!.log)")

            // The server stops answering this daemon: every backend of its database stopped (not the
            // whole cluster, which other suites use at the same time).
            let stopped = try await db.stopBackends()
            do {
                #expect(stopped.count >= 2, "expected the daemon's query and LISTEN backends")
                try await Task.sleep(for: .milliseconds(700))  // a ping already on its way
                let before = receiver.count("WATCHDOG=1")
                try await Task.sleep(for: .seconds(3))  // six ping intervals
                #expect(receiver.count("WATCHDOG=1") == before, "pinged while the database did not answer")
                #expect(daemon!.exitStatus == nil)

                for pid in stopped { kill(pid, SIGCONT) }
                #expect(try await receiver.waitFor("WATCHDOG=1", count: before + 2, timeout: .seconds(30)),
                        "no ping after SIGCONT; log:\n\(daemon!.log)")
            } catch {
                for pid in stopped { kill(pid, SIGCONT) }
                throw error
            }
            try await db.put("after-stop", try TestPickle.base64("{'uid': 4, 'current_page': '/w', 'user_role': 'x'}"))
            #expect(try await db.eventually(timeout: .seconds(30)) { try await db.field("after-stop", "current_page") == "/w" })
        }
    }

    @Test func noPingsForAnotherProcessesWatchdog() async throws {
        let receiver = try NotifyReceiver(abstract: true)
        defer { receiver.close() }
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            daemon = try await db.startDaemon(environment: ["NOTIFY_SOCKET": receiver.environmentValue,
                                                            "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"])
            #expect(try await receiver.waitFor("READY=1"))
            try await Task.sleep(for: .seconds(2))
            #expect(receiver.count("WATCHDOG=1") == 0)
        }
    }

    @Test func withoutNotifySocketNoDatagramSocketIsOpened() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let config = try db.configFile(feed: .notify)
            daemon = try await db.startDaemon(config: config.path, environment: ["WATCHDOG_USEC": "1000000"])
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded"))
            try await Task.sleep(for: .seconds(1))  // two watchdog intervals, were there a watchdog
            #expect(try Self.datagramSockets(of: daemon!.pid) == 0)
            #expect(!daemon!.log.contains("systemd"))
        }
    }

    @Test func aSendErrorIsLoggedOnceAndTheDaemonCarriesOn() async throws {
        try await withDaemonDatabase { db, daemon in
            try await db.install()
            let config = try db.configFile(feed: .notify)
            daemon = try await db.startDaemon(config: config.path, environment: [
                "NOTIFY_SOCKET": "/nonexistent-\(UUID().uuidString)/notify", "WATCHDOG_USEC": "1000000"])
            daemon!.signal(SIGHUP)
            #expect(try await daemon!.waitForLog("configuration reloaded"))
            try await db.put("s1", try TestPickle.base64("{'uid': 1, 'current_page': '/e', 'user_role': 'x'}"))
            #expect(try await db.eventually { try await db.field("s1", "current_page") == "/e" })
            #expect(daemon!.log.components(separatedBy: "cannot notify systemd").count - 1 == 1, "\(daemon!.log)")
        }
    }

    /// How many AF_UNIX datagram sockets process `pid` has open (/proc/PID/fd against /proc/net/unix).
    static func datagramSockets(of pid: Int32) throws -> Int {
        let fdDir = "/proc/\(pid)/fd"
        var inodes: Set<String> = []
        for fd in try FileManager.default.contentsOfDirectory(atPath: fdDir) {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(fd)"),
                  target.hasPrefix("socket:[") else { continue }
            inodes.insert(String(target.dropFirst(8).dropLast()))
        }
        // Num RefCount Protocol Flags Type St Inode [Path]; Type 0002 = SOCK_DGRAM.
        let table = try readProcFile("/proc/net/unix")
        return table.split(separator: "\n").dropFirst().filter { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            return f.count >= 7 && f[4] == "0002" && inodes.contains(String(f[6]))
        }.count
    }

    /// A /proc file read to its end (Foundation stops after the first page of files whose size is 0).
    static func readProcFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DaemonTestSetupError(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }
}
