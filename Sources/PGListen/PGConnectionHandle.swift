import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging

/// Owns one PGconn. Confined to its PGConnection's serial queue (libpq: "One thread
/// restriction is that no two threads attempt to manipulate the same PGconn object at
/// the same time"), so it is deliberately not Sendable.
final class PGConnectionHandle {
    private(set) var conn: OpaquePointer?
    let interrupts: Interrupts
    let notices: PGNoticeReceiver
    /// Where PQnotifies output goes; read by `PGConnection.drainNotifications()` on any thread.
    let notifications: Locked<[PGNotification]>
    /// Why the connection was finished, for errors of later calls.
    private(set) var finishReason: PGError?

    init(interrupts: Interrupts, notifications: Locked<[PGNotification]>, logger: Logger) {
        self.interrupts = interrupts
        self.notifications = notifications
        self.notices = PGNoticeReceiver(logger: logger)
    }

    deinit { finish(reason: nil) }

    /// Closes the PGconn. The only PQfinish in PGListen; idempotent.
    func finish(reason: PGError?) {
        guard let conn else { return }
        PQfinish(conn)
        self.conn = nil
        if finishReason == nil { finishReason = reason }
    }

    /// The open PGconn, or the error explaining why there is none.
    func open() throws(PGError) -> OpaquePointer {
        if let conn { return conn }
        if interrupts.isClosed { throw PGError(.closed, "the connection was closed") }
        if let finishReason {
            throw PGError(
                .connectionLost, "the connection is unusable after an earlier error: \(finishReason.message)",
                sqlState: finishReason.sqlState, severity: finishReason.severity)
        }
        throw PGError(.closed, "the connection is not open")
    }

    /// Connects non-blockingly: PQconnectStartParams, then PQconnectPoll driven by poll()
    /// on PQsocket (which can change between hosts of a multi-host conninfo).
    /// - Parameters:
    ///   - parameters: keyword/value pairs, `dbname` (expanded) last.
    ///   - deadline: overall bound; libpq's own connect_timeout only applies to its
    ///     blocking PQconnectdb, so with PQconnectPoll we must enforce one ourselves.
    /// - Throws: `.connectionFailed`, `.timeout`, `.cancelled`, `.closed`.
    func connect(parameters: [(String, String)], deadline: ContinuousClock.Instant, token: OperationToken) throws(PGError) {
        let started: OpaquePointer? = withCStringArrays(parameters) { keywords, values in
            PQconnectStartParams(keywords, values, 1)
        }
        guard let started else { throw PGError(.connectionFailed, "libpq could not allocate a connection") }
        conn = started
        PGNoticeReceiver.install(notices, on: started)
        if PQstatus(started) == CONNECTION_BAD {
            throw PGError(.connectionFailed, connectionErrorText(started))
        }
        var state = PGRES_POLLING_WRITING
        while true {
            if state == PGRES_POLLING_OK { break }
            if state == PGRES_POLLING_FAILED {
                throw PGError(.connectionFailed, connectionErrorText(started))
            }
            let ready = try waitSocket(read: state == PGRES_POLLING_READING, write: state == PGRES_POLLING_WRITING,
                                       deadline: deadline, token: token)
            if ready == nil {
                throw PGError(.timeout, "could not connect within the connect timeout")
            }
            state = PQconnectPoll(started)
        }
        if PQsetnonblocking(started, 1) != 0 {
            throw PGError(.connectionFailed, connectionErrorText(started))
        }
    }

    func connectionErrorText(_ conn: OpaquePointer) -> String {
        let text = PQerrorMessage(conn).map { String(cString: $0) } ?? ""
        let trimmed = text.trimmingTrailingNewlines()
        return trimmed.isEmpty ? "could not connect to the server" : trimmed
    }
}

/// Calls `body` with NULL-terminated C string arrays of the keys and values.
func withCStringArrays<R>(
    _ pairs: [(String, String)],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R
) -> R {
    let keys = pairs.map { strdup($0.0) }
    let values = pairs.map { strdup($0.1) }
    defer {
        keys.forEach { free($0) }
        values.forEach { free($0) }
    }
    let keyPointers = keys.map { UnsafePointer($0) } + [nil]
    let valuePointers = values.map { UnsafePointer($0) } + [nil]
    return keyPointers.withUnsafeBufferPointer { k in
        valuePointers.withUnsafeBufferPointer { v in body(k.baseAddress!, v.baseAddress!) }
    }
}

/// A PGcancel handed to another thread. `@unchecked Sendable`: libpq documents PQcancel
/// as safe to call from another thread (it only reads the PGcancel), and this wrapper is
/// the only owner, freeing it after that single call.
private struct CancelRequest: @unchecked Sendable {
    let cancel: OpaquePointer
}

extension PGConnectionHandle {
    /// Asks the server to cancel the running statement, on a background queue: PQcancel
    /// opens a new connection and blocks, possibly for long against a stopped server,
    /// so nobody waits for it.
    func requestCancel() {
        guard let conn, let cancel = PQgetCancel(conn) else { return }
        let request = CancelRequest(cancel: cancel)
        DispatchQueue.global(qos: .utility).async {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(request.cancel, &buffer, Int32(buffer.count))
            PQfreeCancel(request.cancel)
        }
    }
}
