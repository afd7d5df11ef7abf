"""The fault suite's failover case (faults.py runs it in its own process, beside the feeds).

One primary and one streaming standby of it (pg_basebackup -R, asynchronous replication) on
this machine; on the primary a database per feed (notify, queue), each with its daemon, load and
tracker (faults.Env). Every daemon connects with a multi-host conninfo, primary first:
`host=127.0.0.1,127.0.0.1 port=<primary>,<standby> ... target_session_attrs=read-write`.

The fault: replication cut for 3 s (the standby's primary_conninfo pointed nowhere, under load:
the primary commits writes the standby never receives), the primary stopped with -m immediate (a
crash: those writes are gone with it), then the standby promoted. The daemons must follow by themselves
(libpq skips the host that is down or read-only) and catch up on the new primary.

The database's loss against ours: with the load's writes failing (the old primary is down, the
load still points at it), the new primary's sessions table is read once, before anything writes
to it: that is what survived. For each session, a write recorded by the load that is newer than
the surviving value was committed on the old primary and never replicated: the database lost it
(Tracker.drop_lost marks it so, also when the daemon had already mirrored it on the old primary;
counted in "lost by the database"). The case fails if the database lost nothing: then it told
nothing apart. Every other write, up to and
including the surviving value, must be mirrored by the daemon on the new primary. Only then are
the load and the tracker pointed at the new primary. The closing check compares every row on the
new primary with its sessions, as after any other case.
"""
import time
import traceback

import faults
import harness
from harness import log

REPLICATION_CUT_S = 3


def surviving(dsn):
    """session id -> data hash of what the new primary holds (Tracker's key and hash)."""
    c = harness.connect(dsn)
    cur = c.cursor()
    cur.execute("SELECT rtrim(session_id), data FROM sessions")
    out = {k: faults.faultload.data_hash(v) for k, v in cur.fetchall()}
    c.close()
    return out


def replication_lag_bytes(primary, standby):
    """WAL bytes the primary has written that the standby never received (pg_stat_replication has
    no row once replication is cut, so the two positions are compared directly)."""
    try:
        c = harness.connect(primary.dsn())
        cur = c.cursor()
        cur.execute("SELECT pg_current_wal_lsn()::text")
        at = cur.fetchone()[0]
        c.close()
        c = harness.connect(standby.dsn())
        cur = c.cursor()
        cur.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_receive_lsn())::bigint", (at,))
        lag = int(cur.fetchone()[0])
        c.close()
        return lag
    except Exception:  # noqa: BLE001
        return None


def run(workdir, results):
    primary = harness.Cluster("faults-primary").init().start()
    standby = None
    envs = []
    try:
        for feed in faults.FEEDS:
            envs.append(faults.Env(primary, feed, workdir))
        standby = primary.standby("faults-standby")
        for env in envs:
            env.daemon_dsn = ("host=127.0.0.1,127.0.0.1 port=%d,%d dbname=%s user=%s target_session_attrs=read-write"
                              " connect_timeout=5" % (primary.port, standby.port, env.name, faults.DAEMON_ROLE))
            env.start_daemon()
            if not env.daemon.wait_log("caught up", timeout=30):
                raise RuntimeError("%s: the daemon did not catch up (log: %s)" % (env.feed, env.daemon.log_path))
            env.load.start()
        for env in envs:
            if env.tracker.wait_converged(30, since=time.monotonic() + 1) is None:
                raise RuntimeError("%s: the steady load is not mirrored before the failover" % env.feed)
        time.sleep(faults.AFTER)
        res = {env.feed: faults.Result(env.feed, "failover") for env in envs}
        made0 = {env.feed: env.tracker.counts()[0] for env in envs}
        for env in envs:
            env.tracker.keep_history()
        # Replication cut first (the standby's primary_conninfo pointed nowhere), so the primary
        # commits writes for CUT_S that the standby never receives: the database's loss to tell.
        t0 = time.monotonic()
        c = harness.connect(standby.dsn())
        c.cursor().execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'")
        c.cursor().execute("SELECT pg_reload_conf()")
        c.close()
        time.sleep(REPLICATION_CUT_S)
        lag = replication_lag_bytes(primary, standby)
        primary.stop("immediate")
        standby.promote()
        for env in envs:
            new_dsn = standby.dsn(env.name)
            lost = env.tracker.drop_lost(surviving(new_dsn))
            env.db.dsn = new_dsn
            env.tracker.dsn = new_dsn
            env.load.db_params["port"] = standby.port
            res[env.feed].note = ("replication cut %d s, then the primary stopped -m immediate (%s bytes never"
                                  " received), the standby promoted: %d writes not replicated"
                                  % (REPLICATION_CUT_S, lag, lost))
            if lost == 0:
                res[env.feed].failures.append("no write was lost with the old primary: the case told nothing apart")
        end = time.monotonic()
        for env in envs:
            r = res[env.feed]
            try:
                faults.measure(env, r, made0[env.feed], t0, end)
                c = harness.connect(env.db.dsn)
                cur = c.cursor()
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                            (faults.DAEMON_ROLE, env.name))
                if cur.fetchone()[0] == 0:
                    r.failures.append("the daemon has no connection to the new primary")
                c.close()
            except Exception as e:  # noqa: BLE001
                r.failures.append("%s: %s" % (type(e).__name__, e))
                traceback.print_exc()
            faults.report(r)
            results.append(r)
            if r.failures:
                log("--- daemon log (last lines) ---")
                log("\n".join(env.daemon.log().splitlines()[-12:]))
    finally:
        for env in envs:
            env.close()
        if standby:
            standby.destroy()
        primary.destroy()
