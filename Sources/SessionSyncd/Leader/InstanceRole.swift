import Foundation

/// This instance's role, shared by everything that reads it: ``LeaderLock`` writes it; the engine
/// reads it before every write; `STATUS=` (sd_notify) and the status table read ``snapshot``.
///
/// `@unchecked Sendable`: the only state is behind an NSLock.
final class InstanceRole: @unchecked Sendable {
    /// Active writes; standby waits for the leader lock.
    enum Role: String, Sendable {
        case active
        case standby
    }

    /// The role and what goes with it.
    struct Snapshot: Sendable, Equatable {
        var role: Role
        /// When the role last changed (nil: never changed since start).
        var since: Date?
        /// The lock connection's server process id while active (nil otherwise).
        var lockBackendPID: Int32?
        /// Whether this instance takes part in the leader election (`[ha] enabled`).
        var electing: Bool
    }

    private let lock = NSLock()
    private var state: Snapshot

    /// Creates the value.
    /// - Parameter electing: true with `[ha] enabled` (the instance starts as standby); false: always active.
    init(electing: Bool) {
        state = Snapshot(role: electing ? .standby : .active, since: nil, lockBackendPID: nil, electing: electing)
    }

    /// The role now.
    var current: Role { lock.withLock { state.role } }

    /// True while this instance may write.
    var isActive: Bool { current == .active }

    /// Everything at once.
    var snapshot: Snapshot { lock.withLock { state } }

    /// Sets the role; returns false if it was already that.
    @discardableResult
    func set(_ role: Role, lockBackendPID: Int32?) -> Bool {
        lock.withLock {
            guard state.role != role || state.lockBackendPID != lockBackendPID else { return false }
            let changed = state.role != role
            state.role = role
            state.lockBackendPID = role == .active ? lockBackendPID : nil
            if changed { state.since = Date() }
            return changed
        }
    }
}
