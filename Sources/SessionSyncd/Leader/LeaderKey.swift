/// The key of the leader lock, one per synced table: instances syncing the same target table
/// through the same channel elect one leader; other configurations in the same database do not
/// interfere.
///
/// Derivation (documented in docs/deployment.md, "High availability"): the first 8 bytes,
/// big-endian, of SHA-256 over the UTF-8 of
/// `"session-syncd leader" NUL <target, quoted and qualified as SyncSchema spells it> NUL <channel>`
/// followed, when `install` has stored one, by `NUL <the install's salt>` (a random value in
/// `session_syncd.install_salt`, readable only by the owner and the daemon's role), as a signed
/// bigint for `pg_try_advisory_lock(bigint)`. pg_locks shows it as `classid` (high 32 bits),
/// `objid` (low 32 bits), `objsubid = 1`.
struct LeaderKey: Sendable, Equatable {
    /// The bigint passed to `pg_try_advisory_lock`.
    let value: Int64

    /// Derives the key.
    /// - Parameters:
    ///   - target: the quoted, qualified target table (`SyncSchema.target`).
    ///   - channel: the NOTIFY channel.
    ///   - salt: the install's salt, nil when there is none.
    init(target: String, channel: String, salt: String?) {
        var message = Array("session-syncd leader".utf8)
        message.append(0)
        message += Array(target.utf8)
        message.append(0)
        message += Array(channel.utf8)
        if let salt {
            message.append(0)
            message += Array(salt.utf8)
        }
        let digest = SHA256.hash(message)
        var v: UInt64 = 0
        for b in digest.prefix(8) { v = v << 8 | UInt64(b) }
        value = Int64(bitPattern: v)
    }

    /// `pg_locks.classid` of the lock (the high 32 bits).
    var classID: UInt32 { UInt32(truncatingIfNeeded: UInt64(bitPattern: value) >> 32) }
    /// `pg_locks.objid` of the lock (the low 32 bits).
    var objectID: UInt32 { UInt32(truncatingIfNeeded: UInt64(bitPattern: value)) }
}
