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
AFTER = 3.0
CUT_S = 30
LOCK_S = 20
DAEMON_ROLE = "syncd"


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


CASES = [
    ("kill9", "kill -9 of the daemon, restart after 3 s", case_kill9),
    ("terminate", "pg_terminate_backend of each daemon connection, 2 s apart", case_terminate),
    ("restart-fast", "PostgreSQL restart -m fast", case_restart("fast")),
    ("restart-immediate", "PostgreSQL restart -m immediate (crash recovery)", case_restart("immediate")),
    ("lock", "LOCK TABLE session_fields held 20 s", case_lock),
    ("netcut", "network cut 30 s, packets silently dropped (half-open), then restored", case_netcut),
]


# ---------------------------------------------------------------- running them

def quiesce_and_check(env, res):
    """Pause the load, wait for the last writes, compare every row; resume."""
    env.load.paused.set()
    time.sleep(0.3)
    if not env.tracker.wait_empty(CONVERGE_TIMEOUT):
        res.failures.append("%d writes never mirrored" % env.tracker.pending_count())
    res.failures += harness.check(env.db)
    if env.daemon.proc.poll() is not None:
        res.failures.append("the daemon exited %s" % env.daemon.proc.returncode)
    env.load.paused.clear()


def run_case(env, name, fn):
    res = Result(env.feed, name)
    made0 = env.tracker.counts()[0]
    try:
        start, end = fn(env, res)
        conv = env.tracker.wait_converged(CONVERGE_TIMEOUT, since=end)
        # The case's writes: from its start to convergence, and at least AFTER s past the fault.
        time.sleep(max(0.0, end + AFTER - time.monotonic()))
        made1 = env.tracker.counts()[0]
        res.max_lag = env.tracker.max_lag(start, conv)
        if conv is None:
            res.failures.append("not converged %d s after the fault: %d writes pending"
                                % (CONVERGE_TIMEOUT, env.tracker.pending_count()))
        else:
            res.converge = max(0.0, conv - end)
        quiesce_and_check(env, res)
        res.made, res.synced, res.db_lost = env.tracker.window(made0 + 1, made1)
        if res.synced + res.db_lost != res.made:
            res.failures.append("%d writes made during the case were never mirrored"
                                % (res.made - res.synced - res.db_lost))
    except Exception as e:  # noqa: BLE001
        res.failures.append("%s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    return res


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
            if ONLY and name not in ONLY:
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
    cluster = harness.Cluster("faults-" + group).init().start()
    try:
        run_feed(cluster, group, workdir, results)
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        failed_setup.append("%s: %s: %s" % (group, type(e).__name__, e))
        log("FAIL %s" % failed_setup[-1])
    finally:
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
    for group in FEEDS:
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
    order = {name: i for i, (name, _, _) in enumerate(CASES)}
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
