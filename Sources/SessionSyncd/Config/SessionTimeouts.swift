/// Server-side bounds on the daemon's own database sessions (`[database] lock_timeout_ms`,
/// `statement_timeout_ms`), set on every query connection of `run`, `resync` and `verify`.
///
/// Without them a lock held by someone else (the writers' lock taken by hand, a long `ALTER TABLE`)
/// makes a write wait until the client-side bound (60 s) drops the connection, over and over.
/// With them the statement fails with a clear SQLSTATE (55P03, 57014), the holder is logged and
/// the batch is retried after a backoff delay.
struct SessionTimeouts: Sendable, Equatable {
    /// `lock_timeout` (`lock_timeout_ms`): the longest one statement waits for a lock; 0 = no bound.
    var lockTimeout: Duration
    /// `statement_timeout` (`statement_timeout_ms`): the longest one statement runs; 0 = no bound.
    var statementTimeout: Duration

    /// Creates the bounds.
    /// - Parameters:
    ///   - lockTimeout: default 5 s (a batch normally waits milliseconds for the writers' lock; a
    ///     session row the web app holds in a transaction is waited for up to this).
    ///   - statementTimeout: default 30 s (a catch-up page of 1,000 sessions takes well under a second;
    ///     below the query connection's client-side bound of 60 s, so the server's clean error comes
    ///     first and the connection is kept).
    init(lockTimeout: Duration = .seconds(5), statementTimeout: Duration = .seconds(30)) {
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
    }

    /// The `SET` statements for a session, in milliseconds.
    var sql: String {
        "SET lock_timeout TO \(Self.milliseconds(lockTimeout)); SET statement_timeout TO \(Self.milliseconds(statementTimeout))"
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}
