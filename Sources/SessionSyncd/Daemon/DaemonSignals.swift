import Foundation
import Logging
import UnixSignals

/// SIGTERM, SIGINT and SIGHUP for `run`, delivered by swift-service-lifecycle's `UnixSignals`
/// (`UnixSignalsSequence`: Dispatch signal sources, registered before it returns, so no early signal
/// is lost). Why not its `ServiceGroup`: docs/architecture.md, "Libraries".
enum DaemonSignals {
    /// Starts trapping the signals; returns the task that handles them (cancel it when done).
    ///
    /// SIGHUP becomes `.reload`. The first SIGTERM/SIGINT sends `STOPPING=1` at once (even while the loop
    /// is stuck in a batch), becomes `.terminate`, and arms the grace: after `grace` the process exits 0
    /// with a warning, the open batch rolled back by the server. A second one exits 0 at once.
    /// - Parameters:
    ///   - events: the engine's event stream.
    ///   - shutdown: set by the first SIGTERM/SIGINT.
    ///   - notifier: for `STOPPING=1`.
    ///   - grace: how long a shutdown may take.
    ///   - logger: for the grace's warning.
    static func trap(into events: AsyncStream<DaemonEvent>.Continuation, shutdown: ShutdownFlag, notifier: SystemdNotifier,
                     grace: Double, logger: Logger) async -> Task<Void, Never> {
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            // Ignored, not killed, also in the moments no source watches (after the task ends).
            signal(sig, SIG_IGN)
        }
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        return Task.detached {
            for await sig in signals {
                handle(sig.rawValue, events: events, shutdown: shutdown, notifier: notifier, grace: grace, logger: logger)
            }
        }
    }

    /// What one signal does (see ``trap(into:shutdown:notifier:grace:logger:)``).
    static func handle(_ sig: Int32, events: AsyncStream<DaemonEvent>.Continuation, shutdown: ShutdownFlag,
                       notifier: SystemdNotifier, grace: Double, logger: Logger) {
        if sig == SIGHUP {
            events.yield(.reload)
            return
        }
        guard shutdown.request() else { fflush(nil); _exit(0) }
        notifier.send(.status(NotifyStatus.stopping))
        notifier.send(.stopping)
        events.yield(.terminate(signal: sig))
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
            logger.warning("shutdown took too long; exiting, the open batch is rolled back by the server")
            fflush(nil)
            _exit(0)  // not exit(3): its atexit handlers are what may hang (see RunCommand)
        }
    }
}
