import CLibPQ

/// The wakeup descriptor that sits next to the PQsocket in every poll() of one
/// connection, plus the reasons for waking: close() and cancelled operations.
///
/// This is what makes `close()`, `PGListener.stop()` and task cancellation prompt
/// while a thread is blocked in poll(). `@unchecked Sendable`: the descriptors are
/// immutable after init and write()/read() on them are thread-safe; the flag is locked.
final class Interrupts: @unchecked Sendable {
    let readFD: Int32
    let writeFD: Int32
    private let closed = Locked(false)

    init() throws(PGError) {
        var fds: (Int32, Int32) = (-1, -1)
        let rc = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: Int32.self, capacity: 2) { ssd_wakeup_create($0) }
        }
        guard rc == 0 else {
            throw PGError(.connectionFailed, "could not create a wakeup descriptor (out of file descriptors?)")
        }
        readFD = fds.0
        writeFD = fds.1
    }

    deinit {
        var fds: (Int32, Int32) = (readFD, writeFD)
        withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: Int32.self, capacity: 2) { ssd_wakeup_close($0) }
        }
    }

    /// Wakes whatever poll() is waiting on this connection.
    func wake() { ssd_wakeup_signal(writeFD) }

    /// Empties the wakeup descriptor after poll() reported it readable.
    func drain() { ssd_wakeup_drain(readFD) }

    /// Marks the connection closed and wakes any waiter.
    func close() {
        closed.withLock { $0 = true }
        wake()
    }

    var isClosed: Bool { closed.withLock { $0 } }
}

/// One operation's cancellation flag (set from `withTaskCancellationHandler`).
final class OperationToken: Sendable {
    let interrupts: Interrupts
    private let cancelled = Locked(false)

    init(_ interrupts: Interrupts) { self.interrupts = interrupts }

    func cancel() {
        cancelled.withLock { $0 = true }
        interrupts.wake()
    }

    /// The error to stop with, if the operation was cancelled or the connection closed.
    func interruption() -> PGError? {
        if interrupts.isClosed { return PGError(.closed, "the connection was closed") }
        if cancelled.withLock({ $0 }) { return PGError(.cancelled, "the operation was cancelled") }
        return nil
    }
}
