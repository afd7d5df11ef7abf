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
                logger.error("\(ListenCheck.standbyWarning); retrying", metadata: [
                    "pg.conninfo": "\(connectionConfiguration.redactedConninfo)",
                ])
                notifier.send(.status("error: " + ListenCheck.standbyWarning))
            } else {
                logger.debug("still a hot standby; retrying")
            }
            return true
        }
    }

    /// Waits one backoff delay (stopping early on shutdown); `quiet`: no log line of its own.
    func waitBackoff(quiet: Bool) async {
        var rng = SystemRandomNumberGenerator()
        let delay = backoff.nextDelay(random: &rng)
        if !quiet { logger.debug("retrying", metadata: ["pg.retry_in_ms": "\(delay.components.seconds * 1000)"]) }
        let until = ContinuousClock.now + delay
        while !shutdown.isRequested, ContinuousClock.now < until {
            try? await Task.sleep(for: min(.milliseconds(100), until - .now))
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
                "pg.channel": "\(configuration.channel)", "pg.conninfo": "\(connectionConfiguration.redactedConninfo)",
            ])
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
