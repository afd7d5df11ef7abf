#!/usr/bin/env python3
"""The fault suite: production's faults under a steady web.py write load, for each change feed.

For each feed (notify, queue) a private cluster and database (web.py's char(128) + text schema,
the example app's config, the daemon connecting as a least-privilege role `syncd` through a TCP
proxy on loopback), `session-syncd run`, and a steady write load through web.py's own DBStore
(faultload.Load). Then each case in turn: the fault, its end, the time until every write made so
far is mirrored (faultload.Tracker), and the check: the load paused, every session_fields row
equals what CPython's pickle.loads reads from the same sessions.data (every mapped column, the
jsonb column, the errors table), no row without a session, `session-syncd verify` exits 0.

Each feed runs in its own process (its own cluster, proxy, daemon and load), all feeds at once.

Cases (FAULTS_ONLY=name,name to run some; FAULTS_FEEDS=notify to run one feed):
  kill9          the daemon killed with SIGKILL, restarted 3 s later
  terminate      pg_terminate_backend of each of the daemon's connections, one after another
  restart-fast   PostgreSQL restarted (-m fast)
  restart-immediate  PostgreSQL restarted (-m immediate: crash recovery)
  lock           LOCK TABLE session_fields (ACCESS EXCLUSIVE) held for 20 s by another session
  user-deleted   a users row that sessions reference deleted (their uid NULL, an error recorded)
  hostile        for 15 s, 1 % of the writes are hostile or corrupt pickles (faultload.hostile_data):
                 the other 99 % synced, an error recorded for each of the 1 %
  readonly       ALTER DATABASE ... SET default_transaction_read_only = on and the daemon's
                 connections terminated (they come back read-only), 15 s, then off
  failover       (its own process, both feeds: Tests/e2e/faultfailover.py) a primary and a streaming
                 standby, multi-host conninfo with target_session_attrs=read-write; the primary
                 stopped -m immediate, the standby promoted; writes the standby never received
                 are counted as lost by the database (how they are told apart: faultfailover.py)
  burst          the daemon stopped (SIGTERM), 50,000 sessions written in bulk, the daemon started
  netcut         the proxy stops forwarding for 30 s without closing anything (half-open: packets
                 silently dropped), then forwards again; the daemon must see it within its
                 heartbeat bound ([listen] heartbeat_s, 10 s by default; failed past 2x that, a
                 shared machine's slack) while the cut lasts

Each case prints writes made, writes synced, the longest lag during the fault (the oldest write
not yet mirrored, sampled every 0.2 s) and the time to converge after the fault ended; the
suite ends with the table and "faults: N passed, M failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import faultload  # noqa: E402
from harness import log  # noqa: E402

FEEDS = [f for f in os.environ.get("FAULTS_FEEDS", "notify,queue").split(",") if f]
ONLY = {c for c in os.environ.get("FAULTS_ONLY", "").split(",") if c}
RATE = float(os.environ.get("FAULTS_RATE", "100"))
POOL = int(os.environ.get("FAULTS_POOL", "1000"))
CONVERGE_TIMEOUT = 90
# A debug daemon catches up 50,000 sessions in 40-120 s on a busy 2-core machine.
CASE_TIMEOUT = {"burst": 600}
if os.environ.get("FAULTS_CONVERGE_S"):  # every wait for convergence (to see what a short one leaves)
    CONVERGE_TIMEOUT = float(os.environ["FAULTS_CONVERGE_S"])
    CASE_TIMEOUT = {}
AFTER = 3.0
CUT_S = 30
LOCK_S = 20
HOSTILE_S = 15
READONLY_S = 15
BURST = int(os.environ.get("FAULTS_BURST", "50000"))
DAEMON_ROLE = "syncd"
# Cases left out unless FAULTS_ONLY names them (none now: the burst, once left out because a 90 s
# wait was shorter than a debug daemon's catch-up on a busy machine, converged in 33-89 s in
# every run of 2026-12-07 and waits up to CASE_TIMEOUT).
OPT_IN = set()


class Env:
    """One feed's database, proxy, daemon, load and tracker."""

    def __init__(self, cluster, feed, workdir):
        self.cluster, self.feed, self.workdir = cluster, feed, workdir
        self.name = "faults_%s" % feed
        admin = cluster.dsn()
        c = harness.connect(admin)
        c.cursor().execute("DO $$BEGIN CREATE ROLE %s LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$" % DAEMON_ROLE)
        c.close()
        self.db = harness.Database(admin, cluster.dsn, self.name, "char128-text",
                                   extra_config='\n[source]\nfeed = "%s"\n' % feed, workdir=workdir)
        self.set_config()
        self.db.add_users(faultload.USERS)
        self.proxy = faultload.Proxy(cluster.port)
        self.daemon_dsn = "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.proxy.port, self.name, DAEMON_ROLE)
        self.daemon = None
        self.deleted_users = set()
        self.burst_keys = set()
        self.tracker = faultload.Tracker(self.db.dsn).start()
        self.load = faultload.Load({"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "db": self.name},
                                   prefix=feed, pool=POOL, rate=RATE, seed=len(feed))
        self.load.tracker = self.tracker

    def set_config(self, extra=""):
        """The example's config with the daemon's role, `install`ed again (grants)."""
        with open(self.db.config_path) as f:
            text = f.read()
        if "daemon_role" not in text:
            text = text.replace("[target]\n", '[target]\ndaemon_role = "%s"\n' % DAEMON_ROLE, 1)
        with open(self.db.config_path, "w") as f:
            f.write(text + extra)
        import tomllib
        self.db.config = tomllib.loads(text + extra)
        harness.run_cli("install", self.db.config_path, self.db.dsn)

    def start_daemon(self):
        self.daemon = harness.Daemon(self.db.config_path, self.daemon_dsn,
                                     os.path.join(self.workdir, self.name + ".daemon.log")).start()
        return self.daemon

    def daemon_pids(self):
        c = harness.connect(self.db.dsn)
        cur = c.cursor()
        cur.execute("SELECT pid, application_name FROM pg_stat_activity WHERE usename = %s AND datname = %s"
                    " ORDER BY backend_start", (DAEMON_ROLE, self.name))
        rows = cur.fetchall()
        c.close()
        return rows

    def close(self):
        self.load.stop()
        if self.daemon:
            self.daemon.stop()
        self.tracker.stop()
        self.proxy.close()


class Result:
    def __init__(self, feed, case):
        self.feed, self.case = feed, case
        self.made = self.synced = self.db_lost = 0
        self.max_lag = None
        self.converge = None
        self.note = ""
        self.failures = []


# ---------------------------------------------------------------- the cases

def case_kill9(env, res):
    t0 = time.monotonic()
    env.daemon.kill9()
    time.sleep(3)
    env.start_daemon()
    return t0, time.monotonic()


def case_terminate(env, res):
    pids = env.daemon_pids()
    if len(pids) < 3:
        res.failures.append("expected 3 daemon connections (query, LISTEN, leader lock), found %d: %s"
                            % (len(pids), [a for _, a in pids]))
    t0 = time.monotonic()
    c = harness.connect(env.db.dsn)
    for pid, app in pids:
        c.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(2)
    c.close()
    res.note = "%d connections: %s" % (len(pids), ", ".join(sorted({a for _, a in pids})))
    return t0, time.monotonic()


def case_restart(mode):
    def run(env, res):
        t0 = time.monotonic()
        env.cluster.restart(mode)
        return t0, time.monotonic()
    return run


def heartbeat_s(env):
    return float(env.db.config.get("listen", {}).get("heartbeat_s", 10))


LOST_LINES = ("LISTEN connection lost", "leader lock connection lost", "query failed; reconnecting")


def case_netcut(env, res):
    """Half-open for CUT_S: detected (a lost-connection line in the daemon's log) while it lasts."""
    bound = heartbeat_s(env)
    before = sum(env.daemon.count(t) for t in LOST_LINES)
    t0 = time.monotonic()
    env.proxy.cut()
    detected = None
    while time.monotonic() < t0 + CUT_S:
        if detected is None and sum(env.daemon.count(t) for t in LOST_LINES) > before:
            detected = time.monotonic() - t0
        time.sleep(0.1)
    env.proxy.restore()
    end = time.monotonic()
    if detected is None:
        res.failures.append("the half-open connection was not detected during the %d s cut" % CUT_S)
    elif detected > 2 * bound:
        res.failures.append("the cut was detected after %.1f s, over twice heartbeat_s (%g s)" % (detected, bound))
    res.note = "cut %d s, detected after %s (heartbeat_s %g)" % (CUT_S, fmt_s(detected), bound)
    return t0, end


def case_lock(env, res):
    c = harness.connect(env.db.dsn, autocommit=False)
    t0 = time.monotonic()
    c.cursor().execute("LOCK TABLE session_fields")
    time.sleep(LOCK_S)
    c.commit()
    c.close()
    res.note = "ACCESS EXCLUSIVE held %d s" % LOCK_S
    return t0, time.monotonic()


def case_user_deleted(env, res):
    uid = faultload.USERS[7]
    c = harness.connect(env.db.dsn)
    cur = c.cursor()
    cur.execute("SELECT count(*) FROM session_fields WHERE uid = %s", (uid,))
    n = cur.fetchone()[0]
    t0 = time.monotonic()
    cur.execute("DELETE FROM users WHERE id = %s", (uid,))
    env.deleted_users.add(uid)
    c.close()
    if n == 0:
        res.failures.append("no session referenced user %d before the case" % uid)
    res.note = "user referenced by %d sessions" % n
    time.sleep(5)
    return t0, time.monotonic()


def case_hostile(env, res):
    h0 = env.load.hostile
    t0 = time.monotonic()
    env.load.hostile_fraction = 0.01
    time.sleep(HOSTILE_S)
    env.load.hostile_fraction = 0.0
    res.note = "%d hostile writes" % (env.load.hostile - h0)
    if env.load.hostile == h0:
        res.failures.append("no hostile write was made")
    return t0, time.monotonic()


def terminate_daemon_backends(env):
    c = harness.connect(env.db.dsn)
    c.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                       (DAEMON_ROLE, env.name))
    c.close()


def case_readonly(env, res):
    c = harness.connect(env.db.dsn)
    cur = c.cursor()
    t0 = time.monotonic()
    cur.execute('ALTER DATABASE "%s" SET default_transaction_read_only = on' % env.name)
    terminate_daemon_backends(env)
    time.sleep(READONLY_S)
    cur.execute('ALTER DATABASE "%s" SET default_transaction_read_only = off' % env.name)
    c.close()
    res.note = "read-only %d s" % READONLY_S
    return t0, time.monotonic()


def case_burst(env, res):
    import psycopg2.extras
    import random
    t0 = time.monotonic()
    env.daemon.stop()
    rng = random.Random(50000)
    items = []
    for n in range(BURST):
        d = faultload.session_value(rng, n, n)
        items.append((faultload.session_id("burst-" + env.feed, n), env.load.encode(d)))
    c = harness.connect(env.db.dsn, autocommit=False)
    psycopg2.extras.execute_values(c.cursor(), "INSERT INTO sessions (session_id, data) VALUES %s", items,
                                   page_size=1000)
    c.commit()
    env.tracker.record_many(items, time.monotonic())
    env.burst_keys.update(k for k, _ in items)
    c.close()
    env.start_daemon()
    res.note = "%d sessions written with the daemon stopped (%.0f s)" % (BURST, time.monotonic() - t0)
    return t0, time.monotonic()


CASES = [
    ("kill9", "kill -9 of the daemon, restart after 3 s", case_kill9),
    ("terminate", "pg_terminate_backend of each daemon connection, 2 s apart", case_terminate),
    ("restart-fast", "PostgreSQL restart -m fast", case_restart("fast")),
    ("restart-immediate", "PostgreSQL restart -m immediate (crash recovery)", case_restart("immediate")),
    ("lock", "LOCK TABLE session_fields held 20 s", case_lock),
    ("user-deleted", "a referenced users row deleted", case_user_deleted),
    ("hostile", "1 % of writes hostile or corrupt pickles for 15 s", case_hostile),
    ("readonly", "target read-only (default_transaction_read_only) 15 s, then writable", case_readonly),
    ("netcut", "network cut 30 s, packets silently dropped (half-open), then restored", case_netcut),
    ("burst", "50,000 sessions written while the daemon is stopped", case_burst),
]


# ---------------------------------------------------------------- running them

def quiesce_and_check(env, res):
    """Pause the load, wait for the last writes, compare every row; resume."""
    env.load.paused.set()
    time.sleep(0.3)
    if not env.tracker.wait_empty(CONVERGE_TIMEOUT):
        res.failures.append("%d writes never mirrored: %s" % (env.tracker.pending_count(), diagnose_pending(env)))
    tolerated = []
    res.failures += harness.check(env.db, deleted_users=env.deleted_users, tolerated=tolerated)
    if tolerated:
        res.note = (res.note + "; " if res.note else "") + (
            "%d sessions of a deleted user: uid NULL (ON DELETE SET NULL), no error recorded" % len(tolerated))
    if env.daemon.proc.poll() is not None:
        res.failures.append("the daemon exited %s" % env.daemon.proc.returncode)
    env.load.paused.clear()


def diagnose_pending(env):
    """Why the sessions of the writes still pending are not mirrored, counted by cause: what the
    database holds against the load's newest recorded write, the session_fields row, and (queue
    feed) the entries still queued. Tells the daemon's loss from the harness's."""
    latest = env.tracker.pending_latest()
    keys = list(latest)
    c = harness.connect(env.db.dsn)
    cur = c.cursor()
    cur.execute("SELECT rtrim(session_id), session_syncd.data_hash(data) FROM sessions WHERE session_id = ANY(%s)", (keys,))
    held = {k: bytes(h) for k, h in cur.fetchall()}
    cur.execute("SELECT rtrim(session_id), data_hash FROM session_fields WHERE session_id = ANY(%s)", (keys,))
    rows = {k: bytes(h) for k, h in cur.fetchall()}
    queued = {}
    if env.feed == "queue":
        cur.execute("SELECT session_syncd.feed_object('sessions'::regclass, 'queue')")
        q = cur.fetchone()[0]
        cur.execute('SELECT rtrim(session_id), count(*) FROM session_syncd."%s" WHERE session_id = ANY(%%s) GROUP BY 1' % q,
                    (keys,))
        queued = dict(cur.fetchall())
        cur.execute('SELECT count(*), count(*) FILTER (WHERE id < (SELECT min(id) FROM session_syncd."%s"'
                    ' WHERE session_id = ANY(%%s))) FROM session_syncd."%s"' % (q, q), (keys,))
        total, ahead = cur.fetchone()
    c.close()
    causes = {}
    for k, (_, want) in latest.items():
        have = held.get(k)
        if have != want:
            cause = "the database holds another value than the newest recorded write"
        elif rows.get(k) == have:
            cause = "mirrored by now"
        elif queued.get(k):
            cause = "still queued"
        else:
            cause = "not mirrored, nothing queued"
        kind = "burst" if k in env.burst_keys else "load"
        causes[(cause, kind)] = causes.get((cause, kind), 0) + 1
    text = "; ".join("%s (%s): %d sessions" % (cause, kind, n) for (cause, kind), n in sorted(causes.items()))
    if env.feed == "queue":
        text += "; the queue holds %d entries, %d of them ahead of the first pending session's" % (total, ahead)
    return text


def run_case(env, name, fn):
    res = Result(env.feed, name)
    made0 = env.tracker.counts()[0]
    try:
        start, end = fn(env, res)
        measure(env, res, made0, start, end)
    except Exception as e:  # noqa: BLE001
        res.failures.append("%s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    return res


def measure(env, res, made0, start, end):
    """After a fault from start to end: convergence, the longest lag, the check, the case's writes."""
    timeout = CASE_TIMEOUT.get(res.case, CONVERGE_TIMEOUT)
    conv = env.tracker.wait_converged(timeout, since=end)
    # The case's writes: from its start to convergence, and at least AFTER s past the fault.
    time.sleep(max(0.0, end + AFTER - time.monotonic()))
    made1 = env.tracker.counts()[0]
    res.max_lag = env.tracker.max_lag(start, conv)
    if conv is None:
        res.failures.append("not converged %d s after the fault: %d writes pending"
                            % (timeout, env.tracker.pending_count()))
    else:
        res.converge = max(0.0, conv - end)
    quiesce_and_check(env, res)
    res.made, res.synced, res.db_lost = env.tracker.window(made0 + 1, made1)
    if res.synced + res.db_lost != res.made:
        res.failures.append("%d writes made during the case were never mirrored"
                            % (res.made - res.synced - res.db_lost))


def fmt_s(v):
    return "-" if v is None else "%.1f s" % v


def report(res):
    status = "ok  " if not res.failures else "FAIL"
    log("%s %s / %s: %d writes made, %d synced%s, longest lag %s, converged %s after the fault%s" % (
        status, res.feed, res.case, res.made, res.synced,
        ", %d lost by the database" % res.db_lost if res.db_lost else "",
        fmt_s(res.max_lag), fmt_s(res.converge), " (%s)" % res.note if res.note else ""))
    for f in res.failures:
        log("     %s" % f)


def run_feed(cluster, feed, workdir, results):
    env = Env(cluster, feed, workdir)
    try:
        env.start_daemon()
        if not env.daemon.wait_log("caught up", timeout=30):
            raise RuntimeError("the daemon did not catch up (log: %s)" % env.daemon.log_path)
        env.load.start()
        if env.tracker.wait_converged(30, since=time.monotonic() + 1) is None:
            raise RuntimeError("the steady load is not mirrored before any fault")
        for name, _, fn in CASES:
            if (ONLY and name not in ONLY) or (not ONLY and name in OPT_IN):
                continue
            res = run_case(env, name, fn)
            report(res)
            results.append(res)
            if res.failures:
                log("--- daemon log (last lines) ---")
                log("\n".join(env.daemon.log().splitlines()[-12:]))
    finally:
        env.close()


def print_table(results):
    log("")
    log("| feed | case | writes made | writes synced | lost by the database | longest lag | converged after | result | note |")
    log("|---|---|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        log("| %s | %s | %d | %d | %d | %s | %s | %s | %s |" % (
            r.feed, r.case, r.made, r.synced, r.db_lost, fmt_s(r.max_lag), fmt_s(r.converge),
            "ok" if not r.failures else "FAILED", r.note))


def result_dict(r):
    return {k: getattr(r, k) for k in ("feed", "case", "made", "synced", "db_lost", "max_lag", "converge", "note", "failures")}


def result_of(d):
    r = Result(d["feed"], d["case"])
    for k, v in d.items():
        setattr(r, k, v)
    return r


def worker(group, out_path):
    """One group's cases (a feed's) in this process, results as JSON in out_path."""
    workdir = tempfile.mkdtemp(prefix="session-syncd-faults-%s." % group)
    results, failed_setup = [], []
    cluster = None
    try:
        if group == "failover":
            import faultfailover
            faultfailover.run(workdir, results)
        else:
            cluster = harness.Cluster("faults-" + group).init().start()
            run_feed(cluster, group, workdir, results)
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        failed_setup.append("%s: %s: %s" % (group, type(e).__name__, e))
        log("FAIL %s" % failed_setup[-1])
    finally:
        if cluster:
            cluster.destroy()
    failed = failed_setup or any(r.failures for r in results)
    if failed:
        log("logs kept in %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    with open(out_path, "w") as f:
        json.dump({"results": [result_dict(r) for r in results], "failed_setup": failed_setup}, f)


def _relay(group, stream):
    for line in stream:
        sys.stdout.write("[%s] %s" % (group, line))
        sys.stdout.flush()


def main():
    """Each feed in its own process, all at once (each has its own cluster, proxy and daemon),
    their lines prefixed with the feed; then the table of all."""
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        return
    t0 = time.monotonic()
    outdir = tempfile.mkdtemp(prefix="session-syncd-faults-results.")
    procs = []
    groups = [f for f in FEEDS if not ONLY or ONLY & {name for name, _, _ in CASES}]
    if not ONLY or "failover" in ONLY:
        groups.append("failover")
    for group in groups:
        out = os.path.join(outdir, group + ".json")
        p = subprocess.Popen([sys.executable, "-u", os.path.abspath(__file__), "--worker", group, out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        t = threading.Thread(target=_relay, args=(group, p.stdout), daemon=True)
        t.start()
        procs.append((group, p, t, out))
    results, failed_setup = [], []
    for group, p, t, out in procs:
        p.wait()
        t.join(5)
        try:
            with open(out) as f:
                got = json.load(f)
            results += [result_of(d) for d in got["results"]]
            failed_setup += got["failed_setup"]
        except (OSError, ValueError):
            failed_setup.append("%s: the worker exited %s without results" % (group, p.returncode))
    shutil.rmtree(outdir, ignore_errors=True)
    order = {name: i for i, (name, _, _) in enumerate(CASES + [("failover", "", None)])}
    results.sort(key=lambda r: (order.get(r.case, 99), FEEDS.index(r.feed) if r.feed in FEEDS else 99))
    print_table(results)
    for f in failed_setup:
        log("FAIL %s" % f)
    failed = sum(1 for r in results if r.failures) + len(failed_setup)
    passed = sum(1 for r in results if not r.failures)
    log("suite took %.0f s" % (time.monotonic() - t0))
    print("faults: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
