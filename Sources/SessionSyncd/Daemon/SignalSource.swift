import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers POSIX signals as calls on a dispatch queue instead of their default action.
///
/// Each signal's default disposition is set to SIG_IGN first (otherwise SIGTERM
/// would kill the process before the dispatch source sees it).
final class SignalSource {
    private var sources: [DispatchSourceSignal] = []

    /// Starts delivering `signals` to `handler`.
    /// - Parameters:
    ///   - signals: e.g. `[SIGTERM, SIGINT, SIGHUP]`.
    ///   - handler: called on a global queue with the signal number.
    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for s in sources { s.cancel() }
    }
}
