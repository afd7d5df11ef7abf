import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Socket waits and result reading. Every wait is a poll() on PQsocket plus the wakeup
/// descriptor, bounded by a deadline: nothing here can block forever on a dead server.
extension PGConnectionHandle {
    struct Readiness {
        var readable: Bool
        var writable: Bool
    }

    /// Waits until the socket is ready, the deadline passes (returns nil), or the
    /// operation is interrupted (throws `.cancelled`/`.closed`).
    func waitSocket(read: Bool, write: Bool, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> Readiness? {
        let conn = try open()
        while true {
            if let interruption = token.interruption() { throw interruption }
            let socket = PQsocket(conn)
            guard socket >= 0 else { throw lostError("the connection has no socket") }
            var timeoutMS: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero { return nil }
                timeoutMS = Int32(clamping: remaining.milliseconds + 1)
            }
            var events: Int16 = 0
            if read { events |= Int16(POLLIN) }
            if write { events |= Int16(POLLOUT) }
            var fds = [
                pollfd(fd: socket, events: events, revents: 0),
                pollfd(fd: interrupts.readFD, events: Int16(POLLIN), revents: 0),
            ]
            let n = poll(&fds, 2, timeoutMS)
            if n < 0 {
                if errno == EINTR { continue }
                throw lostError("poll() failed (errno \(errno))")
            }
            if fds[1].revents != 0 {
                interrupts.drain()
                continue  // re-checks the interruption flags; a stale wakeup just loops
            }
            if n == 0 { continue }  // re-checks the deadline
            let r = fds[0].revents
            if r & Int16(POLLNVAL) != 0 { throw lostError("the connection's socket is invalid") }
            // POLLERR/POLLHUP: report readable so libpq reads and reports the real error.
            let failed = r & (Int16(POLLERR) | Int16(POLLHUP)) != 0
            return Readiness(readable: failed || r & Int16(POLLIN) != 0, writable: r & Int16(POLLOUT) != 0)
        }
    }

    /// The connection-lost error, preferring a FATAL the server sent (e.g. 57P01).
    func lostError(_ fallback: String) -> PGError {
        var message = fallback
        if let conn {
            let text = PQerrorMessage(conn).map { String(cString: $0) }?.trimmingTrailingNewlines() ?? ""
            if !text.isEmpty { message = text }
        }
        if let fatal = notices.lastFatal {
            return PGError(.connectionLost, fatal.message, sqlState: fatal.sqlState, severity: fatal.severity,
                           hint: fatal.hint, isConnectionError: true)
        }
        return PGError(.connectionLost, message, isConnectionError: true)
    }

    /// PQconsumeInput, then moves any notifications to the shared buffer.
    func consumeInput() throws(PGError) {
        let conn = try open()
        if PQconsumeInput(conn) == 0 || PQstatus(conn) == CONNECTION_BAD {
            collectNotifications()
            throw lostError("the server closed the connection")
        }
        collectNotifications()
    }

    /// Drains PQnotifies. Called after every PQconsumeInput and every result: libpq
    /// parses notifications while reading query results, and if we only looked at the
    /// socket afterwards they would sit in its buffer until some later traffic.
    func collectNotifications() {
        guard let conn else { return }
        var batch: [PGNotification] = []
        while let notify = PQnotifies(conn) {
            let n = notify.pointee
            batch.append(PGNotification(
                channel: n.relname.map { String(cString: $0) } ?? "",
                payload: n.extra.map { String(cString: $0) } ?? "",
                backendPID: n.be_pid))
            PQfreemem(notify)
        }
        if !batch.isEmpty {
            notifications.withLock { $0.append(contentsOf: batch) }
        }
    }

    /// Sends everything libpq has buffered. Reads input while waiting to write, as libpq
    /// requires in non-blocking mode (the server may be blocked sending us results).
    func flush(deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) {
        let conn = try open()
        while true {
            let rc = PQflush(conn)
            if rc == 0 { return }
            if rc < 0 { throw lostError("could not send data to the server") }
            guard let ready = try waitSocket(read: true, write: true, deadline: deadline, token: token) else {
                throw PGError(.timeout, "the server did not accept data within the query timeout")
            }
            if ready.readable { try consumeInput() }
        }
    }

    /// Waits until PQgetResult will not block, then returns its result (nil = end of
    /// this statement's results).
    func nextResult(statement: String?, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> PGResultOutcome? {
        let conn = try open()
        while PQisBusy(conn) != 0 {
            guard try waitSocket(read: true, write: false, deadline: deadline, token: token) != nil else {
                throw PGError(.timeout, "no answer from the server within the timeout", statement: statement)
            }
            if PQconsumeInput(conn) == 0 {
                collectNotifications()
                // libpq turns a lost connection into an error result (which may be the
                // server's FATAL, e.g. 57P01); only if it did not, report it ourselves.
                if PQisBusy(conn) != 0 { throw lostError("the server closed the connection") }
                break
            }
            collectNotifications()
        }
        guard let result = PQgetResult(conn) else {
            collectNotifications()
            return nil
        }
        let outcome = PGResult.take(result, statement: statement, connectionBad: PQstatus(conn) == CONNECTION_BAD)
        collectNotifications()
        return outcome
    }

    /// Reads all results of one sent query (until PQgetResult returns NULL). Returns the
    /// last row-bearing result; throws the first error after draining the rest.
    @discardableResult
    func readAllResults(statement: String?, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> PGResult? {
        var last: PGResult?
        var firstError: PGError?
        while let outcome = try nextResult(statement: statement, deadline: deadline, token: token) {
            switch outcome {
            case .rows(let r): last = r
            case .failure(let e): if firstError == nil { firstError = e }
            case .pipelineSync, .pipelineAborted:
                if firstError == nil { firstError = PGError(.protocolError, "unexpected pipeline result", statement: statement) }
            case .unexpected(let status):
                // COPY etc.: we cannot get the connection back in sync.
                throw PGError(.protocolError, "unsupported result status \(status)", statement: statement,
                              isConnectionError: true)
            }
        }
        if let firstError { throw firstError }
        if let conn, PQstatus(conn) == CONNECTION_BAD { throw lostError("the server closed the connection") }
        return last
    }

    /// Waits for notifications until `deadline`. Returns true if any arrived (or were
    /// already buffered), false when the deadline passed quietly.
    func awaitNotifications(deadline: ContinuousClock.Instant, token: OperationToken) throws(PGError) -> Bool {
        let conn = try open()
        if PQconsumeInput(conn) == 0 { throw lostError("the server closed the connection") }
        collectNotifications()
        while true {
            if !notifications.withLock({ $0.isEmpty }) { return true }
            guard let ready = try waitSocket(read: true, write: false, deadline: deadline, token: token) else {
                return false
            }
            if ready.readable { try consumeInput() }
        }
    }
}
