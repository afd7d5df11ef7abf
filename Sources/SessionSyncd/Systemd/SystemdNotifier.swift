import Foundation
import Logging

/// Tells systemd what the daemon is doing (sd_notify(3)), from any task or thread.
///
/// Without `$NOTIFY_SOCKET` every call does nothing. A failure (an unusable `$NOTIFY_SOCKET`, a send
/// error) is logged once, as a warning, and never stops the daemon; later failures are silent.
///
/// `@unchecked Sendable`: the socket and the flag are used only under `lock`.
final class SystemdNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private let socket: NotifySocket?
    private var pendingError: SystemdError?
    private var failureLogged = false
    private let logger: Logger
    /// The ping period, when systemd asked for pings (``WatchdogSettings``); nil otherwise.
    let watchdog: WatchdogSettings?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - pid: this process's id (compared with `WATCHDOG_PID`).
    ///   - logger: where the one failure line goes.
    init(environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid(), logger: Logger) {
        self.logger = logger
        do {
            socket = try NotifyAddress.parse(environment["NOTIFY_SOCKET"]).map(NotifySocket.init(address:))
        } catch {
            socket = nil
            pendingError = error
        }
        watchdog = socket == nil ? nil : WatchdogSettings(environment: environment, pid: pid)
    }

    /// Whether anything is sent at all.
    var isEnabled: Bool { socket != nil }

    /// Sends `message` (nothing without `$NOTIFY_SOCKET`).
    func send(_ message: NotifyMessage) {
        let failure = lock.withLock { sendLocked(message) }
        if let failure {
            logger.warning("cannot notify systemd; carrying on without (this is logged once)", metadata: [
                "systemd.error": "\(failure.description)",
            ])
        }
    }

    /// Sends under `lock`; the failure to log, if any.
    private func sendLocked(_ message: NotifyMessage) -> SystemdError? {
        if let error = pendingError {
            pendingError = nil
            return takeFirst(error)
        }
        guard let socket else { return nil }
        do {
            try socket.send(message.text)
            return nil
        } catch {
            return takeFirst(error)
        }
    }

    /// `error` the first time, nil afterwards (called under `lock`).
    private func takeFirst(_ error: SystemdError) -> SystemdError? {
        guard !failureLogged else { return nil }
        failureLogged = true
        return error
    }
}
