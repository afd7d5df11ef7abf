/// The lock connection's statements.
extension LeaderLock {
    /// Session settings of the lock connection. Its statements are tiny: a statement bound of half
    /// the heartbeat. The server drops the session after `heartbeat_s + 3 s` without a sign of the
    /// client (keepalive probes every second after `heartbeat_s` idle; `tcp_user_timeout`), later than
    /// the client gives up (within `heartbeat_s`), so a leader cut off by the network stops before its
    /// lock is freed. Ignored on Unix sockets. An operator's `idle_session_timeout` would end the
    /// session between heartbeats: off for this session.
    var sessionSettings: String {
        let half = SessionTimeouts.milliseconds(max(heartbeat / 2, .milliseconds(50)))
        let idle = max(1, (SessionTimeouts.milliseconds(heartbeat) + 999) / 1000)
        return "SET statement_timeout TO \(half); SET idle_session_timeout TO 0; SET idle_in_transaction_session_timeout TO 0; "
            + "SET tcp_keepalives_idle TO \(idle); SET tcp_keepalives_interval TO 1; SET tcp_keepalives_count TO 3; "
            + "SET tcp_user_timeout TO \((idle + 3) * 1000)"
    }

    /// Takes the lock or fails at once (SQLSTATE 55P03); run after `BEGIN`, and the transaction then
    /// stays open while this instance is active (`idle_in_transaction_session_timeout` is off above).
    static func tryLockStatement(_ table: String) -> String {
        "LOCK TABLE \(table) IN EXCLUSIVE MODE NOWAIT"
    }

    /// Who holds the lock when `$2` is true (pg_stat_activity shows pid and role to every role), and
    /// this session's role. `$1` the lock table. Columns: holder pid, holder role, session_user.
    static let holderSQL = """
        SELECT h.pid, h.usename, session_user::text
        FROM (SELECT 1) x LEFT JOIN LATERAL (
          SELECT l.pid, a.usename::text AS usename
          FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE $2::bool AND l.locktype = 'relation' AND l.granted AND l.relation = $1::regclass
            AND l.mode = 'ExclusiveLock' AND l.pid <> pg_backend_pid()
          LIMIT 1) h ON true
        """

    /// Run (simple protocol) after each parameterized query inside the open lock transaction: it
    /// replaces the extended protocol's unnamed portal, which would otherwise keep that query's
    /// snapshot, and with it the database's xmin horizon (vacuum), until the next heartbeat.
    static let dropPortalSQL = "SELECT 1"

    /// Whether this session still holds the lock (the heartbeat). `$1` the lock table.
    static let heldSQL = """
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND pid = pg_backend_pid() AND granted
          AND relation = $1::regclass AND mode = 'ExclusiveLock')
        """
}
