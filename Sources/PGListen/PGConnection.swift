import CLibPQ
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// One libpq connection with an async API.
///
/// Threading rule from the libpq manual: "One thread restriction is that no two threads
/// attempt to manipulate the same PGconn object at the same time. In particular, you
/// cannot issue concurrent commands from different threads through the same connection
/// object." So every use of the PGconn happens on this connection's private serial
/// DispatchQueue, and every blocking wait (poll() on PQsocket) happens there too, never
/// on Swift's cooperative thread pool. The async methods enqueue a block and suspend on
/// a continuation until it finishes. Hence `@unchecked Sendable`: the mutable libpq state
/// is confined to that queue; everything else is immutable or behind a lock.
///
/// Concurrency contract:
/// - Any task may call any method; calls run one at a time in the order they were made.
/// - Nothing waits forever: connecting is bounded by `connectTimeout`, every result by
///   `queryTimeout` (when set), and `close()` or cancelling the calling task wakes a
///   waiting poll() at once.
/// - After a connection-level error (`isConnectionError`: lost, timeout, cancelled mid-call,
///   closed) the PGconn is finished; later calls throw `.connectionLost`/`.closed`. Make
///   a new connection (PGListener does that for you).
/// - `transaction` does not lock out other callers: use one connection per logical user.
public final class PGConnection: @unchecked Sendable {
    let configuration: PGConnectionConfiguration
    let logger: Logger
    let queue: DispatchQueue
    let interrupts: Interrupts
    /// Confined to `queue`.
    let handle: PGConnectionHandle
    private let pendingNotifications: Locked<[PGNotification]>
    private let identity = Locked((serverVersion: 0, backendPID: Int32(0)))

    /// libpq's version, e.g. 150018 for 15.18.
    public static var libpqVersion: Int { Int(PQlibVersion()) }

    /// Whether pipeline mode is available (libpq 14+, checked at compile and run time).
    public static var supportsPipelining: Bool { ssd_has_pipelining() != 0 && PQlibVersion() >= 140000 }

    private init(configuration: PGConnectionConfiguration, logger: Logger) throws(PGError) {
        self.configuration = configuration
        self.logger = logger
        self.queue = DispatchQueue(label: "session-syncd.pgconnection")
        self.interrupts = try Interrupts()
        let pending = Locked<[PGNotification]>([])
        self.pendingNotifications = pending
        self.handle = PGConnectionHandle(interrupts: interrupts, notifications: pending, logger: logger)
    }

    /// Opens a connection without blocking a cooperative thread.
    /// - Parameters:
    ///   - configuration: where and how to connect.
    ///   - logger: receives debug-level connection logs (never the conninfo's password).
    /// - Throws: `.connectionFailed` (refused, authentication, ...), `.timeout` after
    ///   `connectTimeout`, `.cancelled` if the task is cancelled.
    public static func connect(_ configuration: PGConnectionConfiguration, logger: Logger) async throws(PGError) -> PGConnection {
        let connection = try PGConnection(configuration: configuration, logger: logger)
        let parameters = configuration.libpqParameters { key in
            getenv(key).map { String(cString: $0) }
        }
        let info: (version: Int, pid: Int32, host: String, port: String)
        do throws(PGError) {
            info = try await connection.perform(timeout: configuration.connectTimeout, cancelOnTimeout: false) {
                (handle, deadline, token) throws(PGError) in
                try handle.connect(parameters: parameters, deadline: deadline!, token: token)
                let conn = try handle.open()
                return (Int(PQserverVersion(conn)), PQbackendPID(conn),
                        PQhost(conn).map { String(cString: $0) } ?? "", PQport(conn).map { String(cString: $0) } ?? "")
            }
        } catch {
            var error = error
            if error.code == .connectionLost { error.code = .connectionFailed }
            connection.close()
            throw error
        }
        connection.identity.withLock { $0 = (info.version, info.pid) }
        connection.logger.debug(
            "connected to PostgreSQL",
            metadata: ["pg.backend_pid": "\(info.pid)", "pg.host": "\(info.host)", "pg.port": "\(info.port)",
                       "pg.server_version": "\(info.version)"])
        return connection
    }

    deinit {
        interrupts.close()
    }

    /// Server version as an integer, e.g. 150018.
    public var serverVersion: Int { identity.withLock { $0.serverVersion } }

    /// PID of the server process serving this connection (PQbackendPID).
    public var backendPID: Int32 { identity.withLock { $0.backendPID } }

    /// Closes the connection: wakes any waiting call (it throws `.closed`) and finishes
    /// the PGconn on the queue. Idempotent; deinit closes too.
    public func close() {
        interrupts.close()
        queue.async { [self] in
            self.handle.finish(reason: PGError(.closed, "the connection was closed"))
        }
    }

    /// Notifications that arrived with query results (or were read by a listener wait)
    /// and have not been taken yet, oldest first. Thread-safe.
    public func drainNotifications() -> [PGNotification] {
        pendingNotifications.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    /// Runs `body` on the connection's queue and suspends until it finishes.
    /// - Parameters:
    ///   - timeout: bound from now, handed to `body` as a deadline; nil = unbounded.
    ///   - cancelOnTimeout: on `.timeout`/`.cancelled`, ask the server to cancel the
    ///     running statement (best effort) before finishing the connection.
    /// A connection-level error finishes the PGconn (its protocol state is unknown).
    func perform<T: Sendable>(
        timeout: Duration?, cancelOnTimeout: Bool,
        _ body: @escaping @Sendable (PGConnectionHandle, ContinuousClock.Instant?, OperationToken) throws(PGError) -> T
    ) async throws(PGError) -> T {
        let token = OperationToken(interrupts)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let result: Result<T, PGError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, PGError>, Never>) in
                queue.async { [self] in
                    // Cancelled or closed while queued: nothing was sent, so the
                    // connection stays usable (unless it was closed).
                    if var interruption = token.interruption() {
                        interruption.isConnectionError = interruption.code == .closed
                        continuation.resume(returning: .failure(interruption))
                        return
                    }
                    let result = Result<T, PGError> { () throws(PGError) -> T in
                        try body(self.handle, deadline, token)
                    }
                    if case .failure(let error) = result, error.isConnectionError {
                        if cancelOnTimeout, error.code == .timeout || error.code == .cancelled {
                            self.handle.requestCancel()
                        }
                        self.handle.finish(reason: error)
                    }
                    continuation.resume(returning: result)
                }
            }
        } onCancel: {
            token.cancel()
        }
        return try result.get()
    }
}
