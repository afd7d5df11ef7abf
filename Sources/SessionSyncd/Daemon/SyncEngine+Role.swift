import Foundation
import Logging
import PGListen

/// Active or standby: only the active instance LISTENs, catches up, drains the queue and writes.
extension SyncEngine {
    /// The leader lock changed the role (``InstanceRole`` already says so: writes stopped before this event).
    func apply(role new: InstanceRole.Role) async {
        switch new {
        case .active:
            // LISTEN first; its `.listening` starts the catch-up (and, with the queue feed, a drain).
            startListening()
        case .standby:
            await stopListening()
            // What was pending is the new leader's: its catch-up finds every session not in sync.
            batcher = SyncBatcher(maxBatchSize: configuration.batch.batchSize, maxDelay: configuration.batch.batchDelay)
            catchUp.active = false
            endCatchUpReader()
            if queueFeed != nil { queueFeed = QueueFeed(pollInterval: configuration.feed.pollInterval) }
        }
    }

    /// Starts a new LISTEN connection (a stopped PGListener does not start again).
    func startListening() {
        guard listener == nil else { return }
        let l = PGListener(configuration: PGListenerConfiguration(
            connection: connectionConfiguration,
            channels: [configuration.channel],
            heartbeatTimeout: configuration.listen.heartbeat,
            reconnect: ReconnectPolicy(initial: configuration.listen.reconnectInitial, maximum: configuration.listen.reconnectMax)),
            logger: logger)
        let cont = continuation
        let backlog = NotificationBacklog(limit: configuration.batch.maxPendingNotifications)
        notificationBacklog = backlog
        listenerForward = Task {
            for await e in l.events {
                if case .notification = e {
                    switch backlog.admit() {
                    case .admitted: cont.yield(.listener(e))
                    case .dropped: continue
                    case .firstDrop: cont.yield(.notificationsDropped)
                    }
                } else {
                    cont.yield(.listener(e))
                }
            }
            cont.yield(.listenerEnded)
        }
        listener = l
        l.start()
    }

    /// Stops the LISTEN connection (if any).
    func stopListening() async {
        await listener?.stop()
        listener = nil
        listening = false
        listenerForward = nil
        listenCheck.disconnected()
    }

    /// Whether a write may start now: the role is read at the moment of the write, so an instance
    /// whose lock connection was lost writes nothing once the lock loop has noticed.
    var mayWrite: Bool { role.isActive }
}
