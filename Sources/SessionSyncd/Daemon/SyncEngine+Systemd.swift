import Foundation
import Logging
import PGListen

/// sd_notify: `READY=1` once the daemon is of use, `STATUS=`, the watchdog, `RELOADING=1` around SIGHUP.
/// (`STOPPING=1` is sent from the signal handler in ``run()``.)
extension SyncEngine {
    /// A catch-up finished: the first one makes the daemon ready.
    func caughtUp() {
        notifier.send(.status(NotifyStatus.summary(role: role.current, stats.snapshot(now: .now),
                                                   interval: configuration.log.statsInterval, warning: connectionWarning)))
        announceReady()
    }

    /// The leader lock is someone else's: a standby is ready once it stands by.
    func standingBy() {
        guard !role.isActive else { return }
        notifier.send(.status(NotifyStatus.standingBy))
        announceReady()
    }

    /// `READY=1`, the first time only.
    func announceReady() {
        guard !readySent else { return }
        readySent = true
        startupExtension.ready()
        notifier.send(.ready)
    }

    /// A catch-up page was written: before `READY=1`, extend systemd's start timeout (at most every
    /// ``StartupExtension/period``), with the progress in `STATUS=`.
    func startupProgressed(sessions: Int) {
        guard !readySent, let by = startupExtension.progressed(now: .now) else { return }
        notifier.send(.status("\(NotifyStatus.catchingUp), \(sessions) sessions so far"))
        notifier.send(.extendTimeout(by))
    }

    /// SIGHUP: `RELOADING=1` (with `MONOTONIC_USEC=`), the reload, `READY=1`. Before the first
    /// `READY=1` the daemon is still starting, so systemd is told nothing.
    func reloadNotifying() async {
        let announce = readySent
        if announce { notifier.send(.reloadingNow()) }
        await reload()
        if announce { notifier.send(.ready) }
    }

    /// Starts the task that wakes the loop every ping interval (nil when systemd asked for no watchdog).
    func startWatchdogTimer() -> Task<Void, Never>? {
        guard let interval = watchdog?.interval else { return nil }
        let cont = continuation
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                cont.yield(.watchdog)
            }
        }
    }

    /// The ping interval has passed: ping if the query connection did a round trip within it, else
    /// probe it first. Runs in the loop, so a loop stuck in a batch sends nothing.
    func watchdogIntervalElapsed() async {
        guard watchdog != nil else { return }
        var action = watchdog!.intervalElapsed(now: .now)
        if action == .probe {
            let ok = await probeQueryConnection()
            action = watchdog!.probeFinished(succeeded: ok, now: .now)
        }
        if action == .ping { notifier.send(.watchdog) }
    }

    /// `SELECT 1` on the query connection (connecting if needed, as a batch would).
    private func probeQueryConnection() async -> Bool {
        guard let conn = await queryConnection() else { return false }
        do {
            _ = try await conn.query("SELECT 1")
            return true
        } catch {
            await dropConnection(after: error)
            return false
        }
    }
}
