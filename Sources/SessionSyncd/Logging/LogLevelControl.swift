import Logging

/// The lowest level written, shared by every handler that reads it, changeable while the process runs.
///
/// swift-log's `Logger` is a value: each copy (and each `Logger(label:)`) holds its own copy of the
/// handler, so a level stored in the handler could never be changed for the loggers already handed to
/// the listener, the connections and the engine. The handlers hold a reference to one of these
/// instead and read ``level`` on every log call; `SIGHUP` sets it once and every logger in the
/// process follows (``LoggingSetup/processLevel``).
///
/// `@unchecked Sendable`: the only mutable state, `current`, is read and written only inside
/// `lock.withLock`. (`Synchronization`'s `Atomic` or `Mutex` would make the class checked-Sendable,
/// but both need macOS 15 and the package supports macOS 13; see also `PGListen.Locked`.)
final class LogLevelControl: @unchecked Sendable {
    private let lock = LogLock()
    private var current: Logger.Level

    /// Creates a control starting at `level`.
    init(_ level: Logger.Level) {
        current = level
    }

    /// The level handlers reading this control write at and above.
    var level: Logger.Level {
        lock.withLock { current }
    }

    /// Sets the level for every handler reading this control.
    /// - Returns: the level before.
    @discardableResult
    func set(_ level: Logger.Level) -> Logger.Level {
        lock.withLock {
            let old = current
            current = level
            return old
        }
    }
}
