import Logging

/// Owns the LISTEN connection, its heartbeat and its reconnects.
///
/// The loop runs in one detached task that only awaits; all blocking waits happen on
/// the current PGConnection's serial queue (see `PGConnection`). Events go to `events`,
/// which buffers without bound so that no notification is ever dropped here — consume it
/// (a consumer slower than its notifications should bound what it keeps of them).
///
/// Liveness: TCP keepalives are on (PGConnectionConfiguration), and every
/// `heartbeatTimeout / 2` the listener sends `SELECT pg_listening_channels()` (without
/// blocking: send + poll() with a deadline); no answer within the other half means the
/// connection is dead (half-open TCP, stopped server) and it reconnects. The answer is also checked: a channel that is no longer
/// listened is LISTENed again and reported as a new `.listening(generation:)`.
public final class PGListener: Sendable {
    public let configuration: PGListenerConfiguration
    let logger: Logger
    private let stream: AsyncStream<PGListenerEvent>
    private let continuation: AsyncStream<PGListenerEvent>.Continuation
    private let state = Locked(State())

    private struct State {
        var task: Task<Void, Never>?
        var stopped = false
        /// The live connection, for tests that tamper with it.
        var connection: PGConnection?
    }

    /// The connection currently listening (nil between connections). For tests.
    var currentConnection: PGConnection? { state.withLock { $0.connection } }

    /// Creates a listener; nothing happens until `start()`.
    /// - Parameters:
    ///   - configuration: connection, channels, heartbeat and reconnect policy.
    ///   - logger: info-level reconnect logs, debug for the rest.
    public init(configuration: PGListenerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: PGListenerEvent.self, bufferingPolicy: .unbounded)
    }

    /// The events, in order. Single consumer; finishes after `stop()`.
    public var events: AsyncStream<PGListenerEvent> { stream }

    /// Begins connecting in the background. Calling it again (or after stop) does nothing.
    public func start() {
        state.withLock { state in
            guard state.task == nil, !state.stopped else { return }
            state.task = Task.detached { [self] in await run() }
        }
    }

    /// Stops promptly (cancelling the task wakes any poll() through the connection's
    /// wakeup descriptor), closes the connection and finishes `events`.
    public func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            return state.task
        }
        task?.cancel()
        await task?.value
        continuation.finish()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } || Task.isCancelled }

    private func run() async {
        var channels: [String] = []
        for channel in configuration.channels where !channels.contains(channel) { channels.append(channel) }
        var backoff = ReconnectBackoff(policy: configuration.reconnect)
        var random = SystemRandomNumberGenerator()
        var generation = 0
        while !isStopped {
            var connection: PGConnection?
            do throws(PGError) {
                let conn = try await PGConnection.connect(configuration.connection, logger: logger)
                connection = conn
                state.withLock { $0.connection = conn }
                for channel in channels {
                    try await conn.listen(channel)
                }
                generation += 1
                backoff.reset()
                logger.info(
                    "listening",
                    metadata: ["pg.generation": "\(generation)", "pg.backend_pid": "\(conn.backendPID)",
                               "pg.channel": "\(channels.joined(separator: ","))"])
                continuation.yield(.listening(generation: generation))
                try await listenLoop(conn, channels: channels, generation: &generation)
            } catch {
                // Notifications libpq read before the failure are still valid: deliver them.
                if let connection { deliver(connection.drainNotifications()) }
                connection?.close()
                state.withLock { $0.connection = nil }
                if isStopped { break }
                let delay = backoff.nextDelay(random: &random)
                logger.info(
                    "PostgreSQL connection lost; reconnecting",
                    metadata: ["pg.generation": "\(generation)", "pg.retry_in_ms": "\(delay.milliseconds)",
                               "pg.error": "\(error)"])
                continuation.yield(.disconnected(error, retryIn: delay))
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    break  // cancelled by stop()
                }
            }
        }
    }

    /// Delivers notifications and runs the heartbeat until the connection fails.
    private func listenLoop(_ conn: PGConnection, channels: [String], generation: inout Int) async throws(PGError) {
        // Half the bound waits, the other half is the heartbeat's own timeout. The floor
        // keeps a silly configuration (0 s) from turning the loop into a query storm.
        let idle = max(configuration.heartbeatTimeout / 2, .milliseconds(50))
        var nextCheck = ContinuousClock.now + idle
        while true {
            deliver(conn.drainNotifications())
            let remaining = nextCheck - ContinuousClock.now
            if remaining > .zero {
                _ = try await conn.waitForNotifications(timeout: remaining)
                continue
            }
            // Every `idle` (busy or not): prove the server still answers, within the
            // other half, and that every channel is still listened.
            let result = try await conn.query(
                "SELECT pg_listening_channels()", [], timeout: idle, cancelOnTimeout: false)
            deliver(conn.drainNotifications())
            var listened = Set<String>()
            for row in 0..<result.rowCount {
                if let name = result[row, 0] { listened.insert(name) }
            }
            let missing = channels.filter { !listened.contains($0) }
            if !missing.isEmpty {
                for channel in missing {
                    logger.info("channel no longer listened; listening again", metadata: ["pg.channel": "\(channel)"])
                    try await conn.listen(channel)
                }
                generation += 1
                continuation.yield(.listening(generation: generation))
            }
            nextCheck = ContinuousClock.now + idle
        }
    }

    private func deliver(_ notifications: [PGNotification]) {
        for notification in notifications {
            continuation.yield(.notification(notification))
        }
    }
}
