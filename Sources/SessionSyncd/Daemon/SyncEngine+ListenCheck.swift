import Foundation
import Logging
import PGListen

/// LISTEN that cannot work (``ListenCheck``): a hot standby is refused on connect, a pooler in
/// transaction mode is found by a test notification that never arrives. One error line each.
extension SyncEngine {
    /// Why this instance cannot work (the status row's `warning`).
    var connectionWarning: String? { listenCheck.warning }

    /// Asks a new query connection `pg_is_in_recovery()`; true: it is a hot standby, do not use it.
    func refuseHotStandby(_ conn: PGConnection) async throws(PGError) -> Bool {
        let inRecovery = try await conn.query("SELECT pg_is_in_recovery()")[0, 0] == "t"
        switch listenCheck.connected(inRecovery: inRecovery) {
        case .use(let recovered):
            if recovered { logger.notice("connected to a primary now (no longer in recovery)") }
            return false
        case .refuse(let log):
            if log {
                // No conninfo in the line (the operator knows where the daemon connects; nothing secret leaks).
                logger.error("\(ListenCheck.standbyWarning); retrying")
                notifier.send(.status("error: " + ListenCheck.standbyWarning))
            } else {
                logger.debug("still a hot standby; retrying")
            }
            ensureStatusWriter()?.submit(statusReport(now: .now))
            return true
        }
    }

    /// Waits one backoff delay after a refused hot standby (stopping early on shutdown), handing the
    /// status writer a report every `[status] interval_s` meanwhile, so the row with the warning stays fresh.
    func waitBackoffReporting() async {
        var rng = SystemRandomNumberGenerator()
        let until = ContinuousClock.now + backoff.nextDelay(random: &rng)
        var nextReport = ContinuousClock.now + configuration.status.interval
        while !shutdown.isRequested, ContinuousClock.now < until {
            try? await Task.sleep(for: min(.milliseconds(100), until - .now))
            if let writer = statusWriter, ContinuousClock.now >= nextReport {
                writer.submit(statusReport(now: .now))
                nextReport = ContinuousClock.now + configuration.status.interval
            }
        }
    }

    /// Sends a test notification on the channel from the query connection (LISTEN is active) and
    /// wakes the loop when it is due.
    func sendListenProbe() async {
        guard let conn = await queryConnection() else { return }
        let payload = listenCheck.listening(now: .now)
        do {
            _ = try await conn.query("SELECT pg_notify($1, $2)", [.text(configuration.channel), .text(payload)])
            // Through a transaction-mode pooler the notification may come back here: drop it.
            _ = conn.drainNotifications()
        } catch {
            listenCheck.disconnected()  // not sent: nothing to wait for (sent again after the next `.listening`)
            await dropConnection(after: error)
            return
        }
        let cont = continuation
        let wait = listenCheck.probeTimeout + .milliseconds(50)
        Task {
            try? await Task.sleep(for: wait)
            cont.yield(.listenProbeDue)
        }
    }

    /// A test notification may be overdue: one error line the first time; while LISTEN seems
    /// broken, another test notification every ``ListenCheck/probeTimeout`` (the warning clears
    /// when one arrives).
    func listenProbeDue() async {
        guard listenCheck.deadline != nil else { return }
        let overdue = listenCheck.deadline! <= .now
        if listenCheck.check(now: .now) {
            logger.error("\(ListenCheck.poolerWarning(listenCheck.probeTimeout))", metadata: [
                "pg.channel": "\(configuration.channel)",
            ])
            reportStatus()  // the warning in the status row now, not at the next interval
            notifier.send(.status("error: " + ListenCheck.poolerWarning(listenCheck.probeTimeout)))
        }
        if overdue, listening, role.isActive { await sendListenProbe() }
    }

    /// Whether a notification is a session's (false for the test notifications of any instance).
    func isSession(_ n: PGNotification) -> Bool {
        switch listenCheck.received(payload: n.payload) {
        case .session:
            return true
        case .probe(let recovered):
            if recovered { logger.notice("LISTEN receives its test notification again") }
            return false
        case .otherProbe:
            return false
        }
    }
}
