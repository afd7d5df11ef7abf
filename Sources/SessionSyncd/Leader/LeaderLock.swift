import Foundation
import Logging
import PGListen

/// The lock connection: carries out what ``LeaderElection`` decides, in one detached task.
///
/// A dedicated connection (PGListen's `PGConnection`, TCP keepalives on) holds the session-level
/// advisory lock ``LeaderKey``. Between two heartbeats the task waits on the connection's socket,
/// so a terminated backend or a closed server connection is seen at once; a heartbeat that is not
/// answered within its half of `[listen] heartbeat_s` declares the connection lost (half-open TCP).
/// The session asks the server to drop it a little later than that (`tcp_keepalives_*`,
/// `tcp_user_timeout`), so after a network loss the old leader has stopped writing before the
/// server frees the lock for a standby.
///
/// Every role change sets ``InstanceRole`` first, then calls `onChange`: the engine's next write
/// checks the shared role, so a leader that lost its lock writes nothing after it noticed.
final class LeaderLock: @unchecked Sendable {
    // @unchecked Sendable: immutable after init except `state`, which is behind `lock`.
    let key: LeaderKey
    let role: InstanceRole
    private let connection: PGConnectionConfiguration
    let heartbeat: Duration
    private let pollInterval: Duration
    private let reconnect: ReconnectPolicy
    private let logger: Logger
    private let onChange: @Sendable (InstanceRole.Role) -> Void
    private let onStandingBy: @Sendable () -> Void
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var stopped = false

    /// Creates the lock loop; nothing happens until ``start()``.
    /// - Parameters:
    ///   - conninfo: the daemon's conninfo (never logged).
    ///   - key: the leader lock's key.
    ///   - settings: `[ha]`.
    ///   - listen: `[listen]`: the heartbeat period and the reconnect backoff.
    ///   - role: the shared role to set.
    ///   - logger: one line per role change; warnings for a lost connection; an error for a foreign holder.
    ///   - onChange: called after each role change (from the lock task).
    ///   - onStandingBy: called once, after the first lock attempt that found the lock taken (sd_notify's
    ///     `READY=1` for a standby: connected, and standing by).
    init(conninfo: String, key: LeaderKey, settings: HASettings, listen: ListenSettings, role: InstanceRole,
         logger: Logger, onChange: @escaping @Sendable (InstanceRole.Role) -> Void,
         onStandingBy: @escaping @Sendable () -> Void = {}) {
        // Client-side bound of each lock query: half the heartbeat, as the listener's heartbeat query.
        let half = max(listen.heartbeat / 2, .milliseconds(50))
        self.connection = PGConnectionConfiguration(conninfo: conninfo, applicationName: "session-syncd leader lock",
                                                    queryTimeout: half)
        self.key = key
        self.role = role
        self.heartbeat = listen.heartbeat
        self.pollInterval = settings.pollInterval
        self.reconnect = ReconnectPolicy(initial: listen.reconnectInitial, maximum: min(listen.reconnectMax, .seconds(5)))
        self.logger = logger
        self.onChange = onChange
        self.onStandingBy = onStandingBy
    }

    /// Starts the loop (once).
    func start() {
        lock.withLock {
            guard task == nil, !stopped else { return }
            task = Task.detached { [self] in await run() }
        }
    }

    /// Stops the loop: the role becomes standby, then the connection is closed (the server releases
    /// the lock with it, and a standby takes over at its next try).
    func stop() async {
        let t: Task<Void, Never>? = lock.withLock {
            stopped = true
            return task
        }
        t?.cancel()
        await t?.value
    }

    private var isStopped: Bool { lock.withLock { stopped } || Task.isCancelled }

    private func run() async {
        var election = LeaderElection(pollInterval: pollInterval, heartbeatInterval: max(heartbeat / 2, .milliseconds(50)))
        var backoff = ReconnectBackoff(policy: reconnect)
        var random = SystemRandomNumberGenerator()
        var conn: PGConnection?
        var ownRole = ""
        var stoodBy = false
        var pending = election.start()
        while !pending.isEmpty {
            if isStopped, election.phase != .stopped {
                pending = election.stop()
                if pending.isEmpty { break }
            }
            let action = pending.removeFirst()
            switch action {
            case .connect:
                do throws(PGError) {
                    let c = try await PGConnection.connect(connection, logger: logger)
                    try await c.execute(sessionSettings)
                    conn = c
                    backoff.reset()
                    pending += election.connected(now: .now)
                } catch {
                    let delay = backoff.nextDelay(random: &random)
                    if !isStopped {
                        logger.warning("cannot connect the leader lock connection; retrying", metadata: [
                            "pg.conninfo": "\(connection.redactedConninfo)", "pg.error": "\(error.description)",
                            "pg.retry_in_ms": "\(SessionTimeouts.milliseconds(delay))",
                        ])
                    }
                    pending += election.connectFailed(now: .now, retryIn: delay)
                }
            case .tryLock:
                guard let c = conn else { pending += election.connectionLost(now: .now, retryIn: pollInterval); continue }
                do throws(PGError) {
                    let r = try await c.query(Self.tryLockSQL, [.text(String(key.value)), .text(String(key.classID)), .text(String(key.objectID))])
                    ownRole = r[0, 3] ?? ownRole
                    let holder = r[0, 1].flatMap(Int32.init).map { LeaderElection.Holder(pid: $0, role: r[0, 2]) }
                    pending += election.lockAttempt(acquired: r[0, 0] == "t", holder: holder, ownRole: ownRole, now: .now)
                    if election.phase == .standby, !stoodBy {
                        stoodBy = true
                        onStandingBy()
                    }
                } catch {
                    pending += lost(error, &conn, &election, &backoff, &random)
                }
            case .heartbeat:
                guard let c = conn else { pending += election.connectionLost(now: .now, retryIn: pollInterval); continue }
                do throws(PGError) {
                    let r = try await c.query(Self.heldSQL, [.text(String(key.classID)), .text(String(key.objectID))])
                    pending += election.heartbeat(held: r[0, 0] == "t", now: .now)
                } catch {
                    pending += lost(error, &conn, &election, &backoff, &random)
                }
            case .wait(let until):
                if let c = conn {
                    do throws(PGError) {
                        // Nothing is LISTENed here: a wakeup before `until` means the socket broke.
                        while ContinuousClock.now < until { _ = try await c.waitForNotifications(timeout: until - .now) }
                        pending += election.tick(now: .now)
                    } catch {
                        pending += lost(error, &conn, &election, &backoff, &random)
                    }
                } else {
                    try? await Task.sleep(until: until, clock: .continuous)
                    pending += election.tick(now: .now)
                }
            case .becomeActive:
                change(to: .active, pid: conn?.backendPID)
            case .becomeStandby:
                change(to: .standby, pid: nil)
            case .reportForeignHolder(let holder):
                logger.error("the leader lock is held by a session of another role: no instance can become active while it holds it", metadata: [
                    "ha.holder_pid": "\(holder.pid)", "ha.holder_role": "\(holder.role ?? "unknown")", "ha.own_role": "\(ownRole)",
                    "ha.lock_key": "\(key.value)",
                ])
            case .disconnect:
                conn?.close()
                conn = nil
            }
        }
        conn?.close()
    }

    /// After a failed lock query or wait: standby first (the machine's first action), then reconnect.
    private func lost(_ error: PGError, _ conn: inout PGConnection?, _ election: inout LeaderElection,
                      _ backoff: inout ReconnectBackoff, _ random: inout SystemRandomNumberGenerator) -> [LeaderElection.Action] {
        let delay = backoff.nextDelay(random: &random)
        if !isStopped {
            logger.warning("leader lock connection lost; reconnecting", metadata: [
                "pg.error": "\(error.description)", "pg.retry_in_ms": "\(SessionTimeouts.milliseconds(delay))",
                "ha.role": "\(role.current.rawValue)",
            ])
        }
        conn?.close()
        conn = nil
        return election.connectionLost(now: .now, retryIn: delay)
    }

    private func change(to new: InstanceRole.Role, pid: Int32?) {
        let old = role.current
        guard role.set(new, lockBackendPID: pid) else { return }
        var metadata: Logger.Metadata = ["ha.role": "\(new.rawValue)", "ha.previous_role": "\(old.rawValue)", "ha.lock_key": "\(key.value)"]
        if let pid { metadata["ha.lock_pid"] = "\(pid)" }
        logger.notice("role changed", metadata: metadata)
        onChange(new)
    }
}
