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

    /// Tries the lock; if refused, the holder's pid and role (pg_stat_activity shows both to every role).
    /// `$1` the key, `$2`/`$3` its classid/objid. Columns: got, holder pid, holder role, session_user.
    static let tryLockSQL = """
        WITH t AS MATERIALIZED (SELECT pg_try_advisory_lock($1::bigint) AS got)
        SELECT t.got, h.pid, h.usename, session_user::text
        FROM t LEFT JOIN LATERAL (
          SELECT l.pid, a.usename::text AS usename
          FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT t.got AND l.locktype = 'advisory' AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = $2::oid AND l.objid = $3::oid AND l.objsubid = 1
          LIMIT 1) h ON true
        """

    /// Whether this session still holds the lock (the heartbeat). `$1`/`$2` classid/objid.
    static let heldSQL = """
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
          AND classid = $1::oid AND objid = $2::oid AND objsubid = 1)
        """
}
