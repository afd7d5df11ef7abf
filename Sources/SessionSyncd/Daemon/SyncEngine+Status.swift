import Foundation
import Logging
import PGListen

/// The status row: every `[status] interval_s` the engine builds a ``StatusReport`` from what it owns
/// and hands it to the ``StatusWriter``, which writes it on its own connection.
extension SyncEngine {
    /// Starts the writer and the timer that yields `.status`; nil with `[status] interval_s = 0`.
    func startStatus() -> Task<Void, Never>? {
        let interval = configuration.status.interval
        guard interval > .zero, let writer = ensureStatusWriter() else { return nil }
        writer.submit(statusReport(now: .now))
        let cont = continuation
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                cont.yield(.status)
            }
        }
    }

    /// The writer, started (nil with `[status] interval_s = 0`). Also called before ``startStatus()``:
    /// while the first query connection is refused (a hot standby) the warning is written at once.
    func ensureStatusWriter() -> StatusWriter? {
        if let statusWriter { return statusWriter }
        guard configuration.status.interval > .zero else { return nil }
        let writer = StatusWriter(conninfo: connectionConfiguration.conninfo, logger: logger)
        statusWriter = writer
        writer.start()
        return writer
    }

    /// Hands the current report to the writer (the `.status` event).
    func reportStatus() {
        statusWriter?.submit(statusReport(now: .now))
    }

    /// Writes the `stopped` row (after the last write, before the lock is released) and ends the writer.
    func finishStatus() async {
        guard let writer = statusWriter else { return }
        statusWriter = nil
        var last = statusReport(now: .now)
        last.role = .stopped
        last.connected = false
        await writer.finish(with: last)
    }

    /// What this instance reports now; starts the next status interval.
    func statusReport(now: ContinuousClock.Instant) -> StatusReport {
        let snapshot = role.snapshot
        let wallNow = Date()
        let connected = connection != nil && (snapshot.role == .standby || listening)
        return StatusReport(
            identity: identity,
            target: pipeline?.schema.target ?? SQLIdentifier.quoteQualified(configuration.targetTable),
            channel: configuration.channel,
            role: snapshot.role == .active ? .active : .standby,
            roleSince: snapshot.since,
            intervalSeconds: StatsLine.seconds(configuration.status.interval),
            retentionSeconds: StatsLine.seconds(configuration.status.retention),
            connected: connected,
            totals: stats.totals,
            interval: stats.takeStatusSnapshot(now: now),
            lastNotificationAt: stats.lastNotification.map { wallNow.addingTimeInterval(-StatsLine.seconds(now - $0)) },
            backlog: queueFeed == nil ? batcher.pendingCount : nil,
            warning: connectionWarning)
    }
}
