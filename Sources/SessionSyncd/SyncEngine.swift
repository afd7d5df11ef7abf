import Foundation
import Logging
import PGListen

/// The `run` daemon: LISTEN, catch up, batch notifications, write, report.
///
/// One task owns all state: every input (listener events, batch deadlines,
/// signals, the stats timer, catch-up pages) arrives as a ``DaemonEvent`` on one
/// stream. On every `.listening` (first connect and each reconnect) LISTEN is
/// already active, so a catch-up started then cannot miss a change: whatever
/// committed before is found by the catch-up query, whatever commits after is
/// notified.
final class SyncEngine {
    private var configuration: SyncConfiguration
    private let configPath: String?
    private let connectionConfiguration: PGConnectionConfiguration
    private let logger: Logger
    /// The level every logger of the process reads; set on SIGHUP.
    private let logLevel: LogLevelControl
    private let shutdown = ShutdownFlag()

    private var connection: PGConnection?
    private var pipeline: SyncPipeline?
    private var backoff: ReconnectBackoff
    private var batcher: SyncBatcher
    private var stats = LagStats()
    private var armedDeadline: ContinuousClock.Instant?
    private var catchUp = CatchUp(id: 0)
    private let continuation: AsyncStream<DaemonEvent>.Continuation
    private let events: AsyncStream<DaemonEvent>

    /// Seconds a shutdown may take before the process exits anyway (the open batch is then rolled back by the server).
    static let shutdownGrace: Double = 5

    /// Creates the daemon.
    /// - Parameters:
    ///   - configuration: the loaded configuration.
    ///   - configPath: the file to re-read on SIGHUP, nil if none.
    ///   - conninfo: the resolved conninfo (never logged; only its redacted form).
    ///   - logger: the daemon's logger.
    ///   - logLevel: the shared level `logger` (and every logger made from the same bootstrap) reads;
    ///     a reload sets it to `[log] level`.
    init(configuration: SyncConfiguration, configPath: String?, conninfo: String, logger: Logger, logLevel: LogLevelControl) {
        self.configuration = configuration
        self.configPath = configPath
        self.connectionConfiguration = PGConnectionConfiguration(conninfo: conninfo)
        self.logger = logger
        self.logLevel = logLevel
        self.backoff = ReconnectBackoff(policy: ReconnectPolicy(initial: configuration.listen.reconnectInitial,
                                                               maximum: configuration.listen.reconnectMax))
        self.batcher = SyncBatcher(maxBatchSize: configuration.batch.batchSize, maxDelay: configuration.batch.batchDelay)
        (events, continuation) = AsyncStream<DaemonEvent>.makeStream()
    }

    /// Runs until SIGTERM or SIGINT.
    /// - Returns: the exit status (0 after a signal).
    /// - Throws: ``SyncError`` when the database lacks what `install` creates.
    func run() async throws -> Int32 {
        let cont = continuation
        let shutdown = self.shutdown
        let logger = self.logger
        let signals = SignalSource(signals: [SIGTERM, SIGINT, SIGHUP]) { sig in
            if sig == SIGHUP {
                cont.yield(.reload)
                return
            }
            if shutdown.request() {
                cont.yield(.terminate(signal: sig))
                DispatchQueue.global().asyncAfter(deadline: .now() + Self.shutdownGrace) {
                    logger.warning("shutdown took too long; exiting, the open batch is rolled back by the server")
                    exit(0)
                }
            } else {
                exit(0)
            }
        }
        defer { withExtendedLifetime(signals) {} }

        logger.info("starting", metadata: [
            "pg.conninfo": "\(connectionConfiguration.redactedConninfo)",
            "pg.channel": "\(configuration.channel)",
            "sync.source": "\(configuration.sourceTable)",
            "sync.target": "\(configuration.targetTable)",
        ])

        // The query connection first: it checks that `install` has run.
        guard let conn = await queryConnection() else { return 0 }
        pipeline = try await SyncPipeline.load(configuration, on: conn)

        let listener = PGListener(configuration: PGListenerConfiguration(
            connection: connectionConfiguration,
            channels: [configuration.channel],
            heartbeatTimeout: configuration.listen.heartbeat,
            reconnect: ReconnectPolicy(initial: configuration.listen.reconnectInitial, maximum: configuration.listen.reconnectMax)),
            logger: logger)
        let forward = Task {
            for await e in listener.events { cont.yield(.listener(e)) }
            cont.yield(.listenerEnded)
        }
        listener.start()
        let statsInterval = configuration.log.statsInterval
        let statsTask = Task {
            guard statsInterval > .zero else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: statsInterval)
                cont.yield(.stats)
            }
        }

        loop: for await event in events {
            switch event {
            case .listener(.listening(let generation)):
                logger.info("listening; catching up", metadata: ["pg.channel": "\(configuration.channel)", "pg.generation": "\(generation)"])
                startCatchUp()
            case .listener(.notification(let n)):
                let now = ContinuousClock.now
                stats.recordNotification(at: now)
                if !n.payload.isEmpty { _ = batcher.add(n.payload, now: now) }
            case .listener(.disconnected(let error, let retryIn)):
                logger.warning("LISTEN connection lost; reconnecting", metadata: [
                    "pg.error": "\(error.description)", "pg.retry_in_ms": "\(retryIn.components.seconds * 1000 + retryIn.components.attoseconds / 1_000_000_000_000_000)",
                ])
            case .listenerEnded:
                break loop
            case .tick:
                armedDeadline = nil
            case .catchUpPage(let id):
                if id == catchUp.id, catchUp.active { await catchUpPage() }
            case .stats:
                StatsLine.log(stats.takeSnapshot(now: .now), to: logger)
            case .terminate(let sig):
                logger.info("stopping", metadata: ["signal": "\(sig == SIGTERM ? "TERM" : "INT")"])
                break loop
            case .reload:
                await reload()
            }
            if shutdown.isRequested { break loop }
            await flushDue()
        }

        statsTask.cancel()
        await listener.stop()
        forward.cancel()
        connection?.close()
        connection = nil
        logger.info("stopped")
        return 0
    }

    // MARK: batches

    /// Writes every batch that is due, then arms the timer for the next deadline.
    private func flushDue() async {
        while !shutdown.isRequested {
            switch batcher.tick(now: .now) {
            case .idle:
                return
            case .flushNow:
                await flush(batcher.takeBatch())
            case .waitUntil(let deadline):
                if armedDeadline == nil || deadline < armedDeadline! {
                    armedDeadline = deadline
                    let cont = continuation
                    Task {
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        cont.yield(.tick)
                    }
                }
                return
            }
        }
    }

    private func flush(_ batch: [SyncBatcher.Entry]) async {
        guard !batch.isEmpty, let pipeline else { return }
        guard let conn = await queryConnection() else {
            batcher.requeue(batch)
            return
        }
        do {
            let result = try await pipeline.sync(keys: batch.map(\.key), on: conn, logger: logger)
            let committed = ContinuousClock.now
            backoff.reset()
            for e in batch { stats.recordLag(committed - e.receivedAt) }
            record(batchSize: batch.count, result)
            logger.debug("batch synced", metadata: [
                "sync.batch_size": "\(batch.count)", "sync.written": "\(result.written)", "sync.errors": "\(result.problems)",
            ])
        } catch {
            await dropConnection(after: error)
            batcher.requeue(batch)
        }
    }

    private func record(batchSize: Int, _ result: SyncPipeline.Result) {
        stats.recordBatch(size: batchSize)
        stats.recordSynced(result.current)
        stats.recordErrors(result.problems)
    }

    // MARK: catch-up

    /// Progress of one catch-up run (keyset pagination by session id).
    struct CatchUp {
        var id: Int
        var active = false
        var after: String?
        var sessions = 0
        var started = ContinuousClock.now
    }

    private func startCatchUp() {
        catchUp = CatchUp(id: catchUp.id + 1, active: true)
        continuation.yield(.catchUpPage(id: catchUp.id))
    }

    private func catchUpPage() async {
        guard let pipeline, let conn = await queryConnection() else { return }
        let limit = configuration.batch.catchupBatchSize
        do {
            let rows = try await pipeline.reader.page(after: catchUp.after, limit: limit, onlyOutOfSync: true,
                                                      mappingHash: pipeline.mappingHash, on: conn)
            let result = try await pipeline.sync(rows: rows, on: conn, logger: logger)
            record(batchSize: rows.count, result)
            catchUp.sessions += rows.count
            if rows.count == limit, let last = rows.last {
                catchUp.after = last.key
                continuation.yield(.catchUpPage(id: catchUp.id))
            } else {
                catchUp.active = false
                let took = ContinuousClock.now - catchUp.started
                logger.info("caught up", metadata: ["sync.sessions": "\(catchUp.sessions)", "sync.duration_ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)"])
            }
        } catch {
            await dropConnection(after: error)
            // Retry the same page once a connection is back.
            continuation.yield(.catchUpPage(id: catchUp.id))
        }
    }

    // MARK: reload

    /// SIGHUP: re-reads the file. An invalid file changes nothing. A valid one sets the log level at
    /// once (it needs no database), then applies the column mapping, `[sync]` and `[limits]`, or keeps
    /// the running ones if the database lacks a new column; restart-only settings are named in a warning.
    private func reload() async {
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
        applied.listen = configuration.listen
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
    private func applyLogLevel(_ new: Logger.Level) {
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
        if fresh.sourceTable != running.sourceTable { changed.append("source.table") }
        if fresh.keyColumn != running.keyColumn { changed.append("source.key_column") }
        if fresh.dataColumn != running.dataColumn { changed.append("source.data_column") }
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

    // MARK: query connection

    /// The query connection, connecting (with backoff) if needed; nil only when shutting down.
    private func queryConnection() async -> PGConnection? {
        if let connection { return connection }
        var rng = SystemRandomNumberGenerator()
        while !shutdown.isRequested {
            do {
                let conn = try await PGConnection.connect(connectionConfiguration, logger: logger)
                try await conn.execute(SyncPipeline.sessionSettings)
                connection = conn
                backoff.reset()
                return conn
            } catch {
                let delay = backoff.nextDelay(random: &rng)
                logger.warning("cannot connect; retrying", metadata: [
                    "pg.conninfo": "\(connectionConfiguration.redactedConninfo)", "pg.error": "\(error.description)",
                    "pg.retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
                let until = ContinuousClock.now + delay
                while !shutdown.isRequested, ContinuousClock.now < until {
                    try? await Task.sleep(for: min(.milliseconds(100), until - .now))
                }
            }
        }
        return nil
    }

    /// After a failed read or write: reconnect on a connection error; on any other error
    /// (a table dropped, a privilege revoked) log it and wait a backoff delay, so a
    /// persistent problem is retried without spinning.
    private func dropConnection(after error: PGError) async {
        if error.isConnectionError {
            logger.warning("query failed; reconnecting", metadata: ["pg.error": "\(error.description)"])
            connection?.close()
            connection = nil
            return
        }
        var rng = SystemRandomNumberGenerator()
        let delay = backoff.nextDelay(random: &rng)
        logger.error("query failed; retrying", metadata: [
            "pg.error": "\(error.description)",
            "pg.retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
        ])
        let until = ContinuousClock.now + delay
        while !shutdown.isRequested, ContinuousClock.now < until {
            try? await Task.sleep(for: min(.milliseconds(100), until - .now))
        }
    }
}
