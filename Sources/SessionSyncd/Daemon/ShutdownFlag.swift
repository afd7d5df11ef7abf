import Foundation

/// Set once by the signal handler, read by loops that must not outlive a shutdown request.
///
/// `@unchecked Sendable`: the only state is a Bool guarded by an NSLock.
final class ShutdownFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    /// True after ``request()``.
    var isRequested: Bool { lock.withLock { set } }

    /// Marks shutdown; returns true the first time.
    @discardableResult
    func request() -> Bool {
        lock.withLock {
            defer { set = true }
            return !set
        }
    }
}
