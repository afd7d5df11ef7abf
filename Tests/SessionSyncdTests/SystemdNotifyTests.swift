import Foundation
import Logging
import Testing
@testable import SessionSyncd

/// sd_notify without a daemon: the address, the messages, the socket (a real datagram socket), the
/// watchdog request and its state machine, the STATUS text.
@Suite struct SystemdNotifyTests {
    @Test func notifySocketAddresses() throws {
        #expect(try NotifyAddress.parse(nil) == nil)
        #expect(try NotifyAddress.parse("") == nil)
        #expect(try NotifyAddress.parse("/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(try NotifyAddress.parse("@/org/freedesktop/systemd1/notify/123") == .abstract("/org/freedesktop/systemd1/notify/123"))
        #expect(NotifyAddress.path("/a").sunPathBytes == [0x2f, 0x61, 0])
        #expect(NotifyAddress.abstract("ab").sunPathBytes == [0, 0x61, 0x62])
        for bad in ["relative/notify", "@", "vsock:2:1234", "/" + String(repeating: "x", count: 107)] {
            #expect(throws: SystemdError.unsupportedNotifySocket) { try NotifyAddress.parse(bad) }
        }
        #expect(try NotifyAddress.parse("/" + String(repeating: "x", count: 106)) != nil)
    }

    @Test func messages() {
        #expect(NotifyMessage.ready.text == "READY=1")
        #expect(NotifyMessage.stopping.text == "STOPPING=1")
        #expect(NotifyMessage.watchdog.text == "WATCHDOG=1")
        #expect(NotifyMessage.reloading(monotonicMicroseconds: 1234567).text == "RELOADING=1\nMONOTONIC_USEC=1234567")
        #expect(NotifyMessage.status("a\nb\tc").text == "STATUS=a b c")
        #expect(NotifyMessage.extendTimeout(.seconds(30)).text == "EXTEND_TIMEOUT_USEC=30000000")
        #expect(NotifyMessage.extendTimeout(.milliseconds(1500)).text == "EXTEND_TIMEOUT_USEC=1500000")
        guard case .reloading(let usec) = NotifyMessage.reloadingNow() else { Issue.record("not RELOADING"); return }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let now = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        #expect(usec <= now && now - usec < 5_000_000)
    }

    @Test(arguments: [false, true])
    func sendsOneDatagramPerMessage(abstract: Bool) async throws {
        let receiver = try NotifyReceiver(abstract: abstract)
        defer { receiver.close() }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.environmentValue], logger: Self.logger)
        #expect(notifier.isEnabled)
        notifier.send(.status("catching up"))
        notifier.send(.ready)
        notifier.send(.reloading(monotonicMicroseconds: 42))
        #expect(try await receiver.waitFor("MONOTONIC_USEC=42"))
        #expect(receiver.datagrams.map(\.text) == ["STATUS=catching up", "READY=1", "RELOADING=1\nMONOTONIC_USEC=42"])
    }

    @Test func withoutNotifySocketNothingIsOpenedOrLogged() {
        let capture = LogLineCapture()
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"], logger: capture.logger)
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdog == nil)
        notifier.send(.ready)
        #expect(capture.lines.isEmpty)
    }

    @Test func aSendErrorIsLoggedOnce() {
        let capture = LogLineCapture()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-\(UUID().uuidString)/notify"], logger: capture.logger)
        for _ in 0..<5 { notifier.send(.ready) }
        #expect(capture.lines.count == 1)
        #expect(capture.lines.first?.contains("cannot notify systemd") == true)
        #expect(capture.lines.first?.contains("sendto failed") == true)

        let unusable = LogLineCapture()
        let other = SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:99"], logger: unusable.logger)
        other.send(.ready)
        other.send(.stopping)
        #expect(unusable.lines.count == 1)
        #expect(unusable.lines.first?.contains("neither an absolute path") == true)
    }

    @Test func watchdogRequest() {
        #expect(WatchdogSettings(environment: [:], pid: 7) == nil)
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "0"], pid: 7) == nil)
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "x"], pid: 7) == nil)
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "30000000"], pid: 7)?.pingInterval == .seconds(15))
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], pid: 7) != nil)
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "8"], pid: 7) == nil)
        // Without NOTIFY_SOCKET there is no one to ping.
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000"], logger: Self.logger).watchdog == nil)
    }

    @Test func watchdogPingsOnlyAfterARoundTripWithinTheInterval() {
        let t0 = ContinuousClock.now
        var w = Watchdog(interval: .seconds(15))
        // Nothing has run yet: probe first.
        #expect(w.intervalElapsed(now: t0) == .probe)
        #expect(w.probeFinished(succeeded: true, now: t0 + .milliseconds(5)) == .ping)
        // Batches in the interval: ping without a probe.
        w.roundTripSucceeded(at: t0 + .seconds(10))
        #expect(w.intervalElapsed(now: t0 + .seconds(15)) == .ping)
        // The last round trip is older than the interval (idle, or a batch stuck since): probe.
        #expect(w.intervalElapsed(now: t0 + .seconds(30)) == .probe)
        // The probe failed (dead connection): no ping.
        #expect(w.probeFinished(succeeded: false, now: t0 + .seconds(31)) == .none)
        #expect(w.lastPing == t0 + .seconds(15))
        #expect(w.intervalElapsed(now: t0 + .seconds(45)) == .probe)
        // Back: pings again.
        #expect(w.probeFinished(succeeded: true, now: t0 + .seconds(46)) == .ping)
        #expect(w.lastPing == t0 + .seconds(46))
    }

    /// EXTEND_TIMEOUT_USEC: on the first progress, then at most once per period while progress goes on;
    /// no progress, no extension (systemd's own timeout then ends a hung start); nothing after READY.
    @Test func startTimeoutExtendedOnlyWhileTheFirstCatchUpProgresses() {
        let t0 = ContinuousClock.now
        var e = StartupExtension()
        #expect(e.progressed(now: t0) == StartupExtension.extendBy)
        #expect(e.progressed(now: t0 + .seconds(1)) == nil)
        #expect(e.progressed(now: t0 + .seconds(4)) == nil)
        #expect(e.progressed(now: t0 + StartupExtension.period) == StartupExtension.extendBy)
        // A long silence (a page that hangs) sends nothing by itself; the next progress extends again.
        #expect(e.progressed(now: t0 + .seconds(60)) == StartupExtension.extendBy)
        #expect(e.lastSent == t0 + .seconds(60))
        #expect(StartupExtension.extendBy >= StartupExtension.period * 3)
        e.ready()
        #expect(e.progressed(now: t0 + .seconds(120)) == nil)
        #expect(e.finished)
    }

    @Test func statusLine() {
        var s = LagStats()
        let now = ContinuousClock.now
        #expect(NotifyStatus.summary(role: .active, s.snapshot(now: now), interval: .seconds(60))
            == "active: 0 synced, 0 errors in the last 60 s; no notification yet")
        s.recordSynced(120)
        s.recordErrors(2)
        s.recordLag(.microseconds(3200))
        s.recordNotification(at: now - .milliseconds(400))
        #expect(NotifyStatus.summary(role: .active, s.snapshot(now: now), interval: .seconds(60))
            == "active: 120 synced, 2 errors, lag p99 3.2 ms in the last 60 s; last notification 0.4 s ago")
        #expect(NotifyStatus.summary(role: .standby, s.snapshot(now: now), interval: .seconds(60)) == NotifyStatus.standingBy)
        // A ListenCheck warning leads the line, whatever the role.
        #expect(NotifyStatus.summary(role: .active, s.snapshot(now: now), interval: .seconds(60), warning: "LISTEN broken")
            == "error: LISTEN broken; active: 120 synced, 2 errors, lag p99 3.2 ms in the last 60 s; last notification 0.4 s ago")
        #expect(NotifyStatus.summary(role: .standby, s.snapshot(now: now), interval: .seconds(60), warning: "hot standby")
            == "error: hot standby; " + NotifyStatus.standingBy)
    }

    static let logger = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }
}

extension LogLineCapture {
    /// A logger writing logfmt lines at every level into this capture.
    var logger: Logger {
        let w = writer
        return Logger(label: "t") { LogfmtLogHandler(label: $0, level: .trace, writer: w) }
    }
}
