import Foundation
import Logging
import PGListen

/// SIGHUP: re-read the configuration and apply what can change without a restart.
extension SyncEngine {
    /// SIGHUP: re-reads the file. An invalid file changes nothing. A valid one sets the log level at
    /// once (it needs no database), then applies the column mapping, `[sync]` and `[limits]`, or keeps
    /// the running ones if the database lacks a new column; restart-only settings are named in a warning.
    func reload() async {
        guard let configPath else {
            logger.notice("SIGHUP without --config: nothing to reload")
            return
        }
        let fresh: SyncConfiguration
        do {
            fresh = try SyncConfiguration.load(path: configPath)
        } catch {
            logger.error("reload failed; keeping the running configuration", metadata: ["config.error": "\(error.description)"])
            return
        }
        applyLogLevel(fresh.log.level)
        configuration.log.level = fresh.log.level
        let restartOnly = Self.restartOnlyChanges(from: configuration, to: fresh)
        if !restartOnly.isEmpty {
            logger.warning("some settings change only on restart; applying the rest", metadata: [
                "config.restart_only": "\(restartOnly.joined(separator: ","))",
            ])
        }
        var applied = fresh
        applied.sourceTable = configuration.sourceTable; applied.targetTable = configuration.targetTable
        applied.channel = configuration.channel; applied.dsn = configuration.dsn
        applied.keyColumn = configuration.keyColumn; applied.dataColumn = configuration.dataColumn
        applied.errorsTable = configuration.errorsTable
        applied.feed = configuration.feed
        applied.listen = configuration.listen
        applied.ha = configuration.ha; applied.timeouts = configuration.timeouts
        applied.status = configuration.status
        applied.log.format = configuration.log.format; applied.log.statsInterval = configuration.log.statsInterval
        guard let conn = await queryConnection() else { return }
        do {
            pipeline = try await SyncPipeline.load(applied, on: conn)
        } catch {
            logger.error("reload failed; keeping the running column mapping, [sync] and [limits]", metadata: ["sync.error": "\(error)"])
            return
        }
        configuration = applied
        batcher.maxBatchSize = max(1, applied.batch.batchSize)
        batcher.maxDelay = applied.batch.batchDelay
        logger.info("configuration reloaded; catching up", metadata: ["sync.columns": "\(applied.columns.map(\.name).joined(separator: ","))"])
        startCatchUp()
    }

    /// Sets the process's log level, with one info line (old → new) written while the more verbose of
    /// the two is in effect, so it shows whichever way the level moves (unless both are above info).
    func applyLogLevel(_ new: Logger.Level) {
        let old = logLevel.level
        guard new != old else { return }
        let metadata: Logger.Metadata = ["log.old_level": "\(old.rawValue)", "log.new_level": "\(new.rawValue)"]
        if new < old {
            logLevel.set(new)
            logger.info("log level changed", metadata: metadata)
        } else {
            logger.info("log level changed", metadata: metadata)
            logLevel.set(new)
        }
    }

    /// The settings (as `table.key`) that differ between `running` and `fresh` but are only read at
    /// start: tables, columns of the source, channel, dsn, `[listen]` (the LISTEN connection's
    /// heartbeat and backoff), the log format (one bootstrap per process) and the stats period.
    static func restartOnlyChanges(from running: SyncConfiguration, to fresh: SyncConfiguration) -> [String] {
        var changed: [String] = []
        if fresh.dsn != running.dsn { changed.append("database.dsn") }
        if fresh.timeouts.lockTimeout != running.timeouts.lockTimeout { changed.append("database.lock_timeout_ms") }
        if fresh.timeouts.statementTimeout != running.timeouts.statementTimeout { changed.append("database.statement_timeout_ms") }
        if fresh.ha.enabled != running.ha.enabled { changed.append("ha.enabled") }
        if fresh.ha.pollInterval != running.ha.pollInterval { changed.append("ha.poll_ms") }
        if fresh.status.interval != running.status.interval { changed.append("status.interval_s") }
        if fresh.status.retention != running.status.retention { changed.append("status.retention_s") }
        if fresh.sourceTable != running.sourceTable { changed.append("source.table") }
        if fresh.keyColumn != running.keyColumn { changed.append("source.key_column") }
        if fresh.dataColumn != running.dataColumn { changed.append("source.data_column") }
        if fresh.feed.kind != running.feed.kind { changed.append("source.feed") }
        if fresh.feed.pollInterval != running.feed.pollInterval { changed.append("source.queue_poll_ms") }
        if fresh.targetTable != running.targetTable { changed.append("target.table") }
        if fresh.errorsTable != running.errorsTable { changed.append("target.errors_table") }
        if fresh.channel != running.channel { changed.append("target.channel") }
        if fresh.listen.heartbeat != running.listen.heartbeat { changed.append("listen.heartbeat_s") }
        if fresh.listen.reconnectInitial != running.listen.reconnectInitial { changed.append("listen.reconnect_initial_ms") }
        if fresh.listen.reconnectMax != running.listen.reconnectMax { changed.append("listen.reconnect_max_s") }
        if fresh.log.format != running.log.format { changed.append("log.format") }
        if fresh.log.statsInterval != running.log.statsInterval { changed.append("log.stats_interval_s") }
        return changed
    }
}
