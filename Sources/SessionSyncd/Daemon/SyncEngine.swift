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
    var configuration: SyncConfiguration
    let configPath: String?
    let connectionConfiguration: PGConnectionConfiguration
    let logger: Logger
    /// The level every logger of the process reads; set on SIGHUP.
    let logLevel: LogLevelControl
    let shutdown = ShutdownFlag()

    var connection: PGConnection?
    var pipeline: SyncPipeline?
    var backoff: ReconnectBackoff
    var batcher: SyncBatcher
    var stats = DaemonStats()
    var armedDeadline: ContinuousClock.Instant?
    var catchUp = CatchUp(id: 0)
    /// Gives freed heap pages back once idle after work.
    var memoryTrim = MemoryTrim()
    /// Queue feed only: its tables and when to look at them (nil with the notify feed).
    var queue: QueueTable?
    var queueFeed: QueueFeed?
    /// Active or standby (``InstanceRole``): set by the leader lock, read before every write, and by
    /// whatever reports the role (sd_notify `STATUS=`, the status table).
    let role: InstanceRole
    /// The leader lock's loop (nil with `[ha] enabled = false`).
    var leaderLock: LeaderLock?
    /// The LISTEN connection while active (nil while standing by).
    var listener: PGListener?
    /// Forwards `listener`'s events into `events`.
    var listenerForward: Task<Void, Never>?
    /// Counts the notifications `listenerForward` has passed on and the loop not yet taken (a new one per listener).
    var notificationBacklog = NotificationBacklog(limit: 1)
    /// This process in the status table (a fresh id per start).
    let identity = InstanceIdentity.current()
    /// Writes the status row on its own connection (nil with `[status] interval_s = 0`).
    var statusWriter: StatusWriter?
    /// The LISTEN connection is up (between `.listening` and `.disconnected`).
    var listening = false
    /// Hot standby and transaction-pooler detection (``ListenCheck``): the status row's `warning`.
    lazy var listenCheck = ListenCheck(instance: identity.id.uuidString.lowercased())
    /// sd_notify: READY, STATUS, WATCHDOG, RELOADING, STOPPING (silent without `$NOTIFY_SOCKET`).
    let notifier: SystemdNotifier
    /// When to ping systemd's watchdog (nil unless systemd asked, `$WATCHDOG_USEC`).
    var watchdog: Watchdog?
    /// Whether `READY=1` was sent (once: after the first catch-up, or when standing by).
    var readySent = false
    /// `EXTEND_TIMEOUT_USEC=` while the first catch-up makes progress (before `READY=1`).
    var startupExtension = StartupExtension()
    let continuation: AsyncStream<DaemonEvent>.Continuation
    let events: AsyncStream<DaemonEvent>

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
    ///   - notifier: sd_notify; by default from the process environment.
    init(configuration: SyncConfiguration, configPath: String?, conninfo: String, logger: Logger, logLevel: LogLevelControl,
         notifier: SystemdNotifier? = nil) {
        self.configuration = configuration
        self.configPath = configPath
        self.connectionConfiguration = PGConnectionConfiguration(conninfo: conninfo)
        self.logger = logger
        self.logLevel = logLevel
        self.role = InstanceRole(electing: configuration.ha.enabled)
        self.notifier = notifier ?? SystemdNotifier(logger: logger)
        self.watchdog = self.notifier.watchdog.map { Watchdog(interval: $0.pingInterval) }
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
        let signals = await DaemonSignals.trap(into: cont, shutdown: shutdown, notifier: notifier, grace: Self.shutdownGrace,
                                               logger: logger)
        defer { signals.cancel() }

        logger.info("starting", metadata: [
            "pg.conninfo": "\(connectionConfiguration.redactedConninfo)",
            "pg.channel": "\(configuration.channel)",
            "sync.feed": "\(configuration.feed.kind.rawValue)",
            "sync.source": "\(configuration.sourceTable)",
            "sync.target": "\(configuration.targetTable)",
        ])

        notifier.send(.status(NotifyStatus.starting))
        // The query connection first: it checks that `install` has run.
        guard let conn = await queryConnection() else { return 0 }
        pipeline = try await SyncPipeline.load(configuration, on: conn)
        queue = try await QueueTable.check(configuration, on: conn)
        if queue != nil { queueFeed = QueueFeed(pollInterval: configuration.feed.pollInterval) }
        let statusTask = startStatus()

        if configuration.ha.enabled {
            let table = pipeline!.schema.leaderLock
            let lock = LeaderLock(conninfo: connectionConfiguration.conninfo, table: table, settings: configuration.ha,
                                  listen: configuration.listen, role: role, logger: logger,
                                  onChange: { cont.yield(.role($0)) }, onStandingBy: { cont.yield(.standingBy) })
            leaderLock = lock
            logger.info("standing by until this instance holds the leader lock", metadata: ["ha.lock_table": "\(table)"])
            lock.start()
        } else {
            startListening()
        }
        let statsInterval = configuration.log.statsInterval
        let statsTask = Task {
            guard statsInterval > .zero else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: statsInterval)
                cont.yield(.stats)
            }
        }
        let watchdogTask = startWatchdogTimer()

        loop: for await event in events {
            if case .listener(.notification) = event { notificationBacklog.taken() }
            switch event {
            case .role(let new):
                await apply(role: new)
                reportStatus()  // the status row shows a takeover at once, not an interval later
            case .listener where !role.isActive:
                continue  // a stopped listener's last events
            case .listener(.listening(let generation)):
                listening = true
                logger.info("listening; catching up", metadata: ["pg.channel": "\(configuration.channel)", "pg.generation": "\(generation)"])
                startCatchUp()
                if queueFeed != nil { schedule(queueFeed!.listening()) }
                await sendListenProbe()
            case .listener(.notification(let n)) where !isSession(n):
                continue
            case .listener(.notification(let n)):
                if queueFeed != nil {
                    schedule(queueFeed!.notified())
                    continue
                }
                let now = ContinuousClock.now
                stats.recordNotification(at: now)
                if n.payload.isEmpty {
                    catchUpRequested()  // an id over NOTIFY's payload limit (sql/02-setup.sql): found by its hash
                } else {
                    _ = batcher.add(n.payload, now: now)
                }
            case .listener(.disconnected(let error, let retryIn)):
                listening = false
                listenCheck.disconnected()
                logger.warning("LISTEN connection lost; reconnecting", metadata: [
                    "pg.error": "\(error.description)", "pg.retry_in_ms": "\(retryIn.components.seconds * 1000 + retryIn.components.attoseconds / 1_000_000_000_000_000)",
                ])
            case .listenerEnded:
                continue
            case .notificationsDropped:
                let dropped = notificationBacklog.endEpisode()
                guard role.isActive else { continue }
                logger.warning("notifications dropped: more than max_pending_notifications were waiting; a catch-up syncs their sessions",
                               metadata: ["sync.dropped": "\(dropped)", "sync.max_pending_notifications": "\(notificationBacklog.limit)"])
                catchUpRequested()
            case .tick:
                armedDeadline = nil
            case .catchUpPage(let id):
                if id == catchUp.id, catchUp.active { await catchUpPage() }
            case .stats:
                let snapshot = stats.takeSnapshot(now: .now)
                StatsLine.log(snapshot, to: logger)
                if readySent { notifier.send(.status(NotifyStatus.summary(role: role.current, snapshot, interval: statsInterval, warning: connectionWarning))) }
            case .status:
                reportStatus()
            case .terminate(let sig):
                logger.info("stopping", metadata: ["signal": "\(sig == SIGTERM ? "TERM" : "INT")"])
                break loop
            case .reload:
                await reloadNotifying()
            case .standingBy:
                standingBy()
            case .watchdog:
                await watchdogIntervalElapsed()
            case .listenProbeDue:
                await listenProbeDue()
            case .queue(let action):
                await queueStep(action)
            case .queueTimer:
                if queueFeed != nil { schedule(queueFeed!.timer(now: .now)) }
            }
            if shutdown.isRequested { break loop }
            await flushDue()
            if memoryTrim.shouldTrim(idle: batcher.pendingCount == 0 && !catchUp.active, batches: stats.totals.batches, now: .now) {
                MemoryTrim.trim()
            }
        }

        statsTask.cancel()
        statusTask?.cancel()
        watchdogTask?.cancel()
        await stopListening()
        await finishStatus()
        // After the last write: a standby takes over as soon as this lock is released.
        await leaderLock?.stop()
        connection?.close()
        connection = nil
        logger.info("stopped")
        return 0
    }
}
