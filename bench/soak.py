"""bench/soak's driver (bench/soak builds the daemon and starts the cluster): a long steady write
load against one `session-syncd run`, reporting the daemon's memory and lag over time.
Not a test: nothing here asserts a time or a size.

    python bench/soak.py --bin PATH [--updates 1000000] [--rate 2000] [--sessions 20000] [--every 30]

pgbench (-R rate, web.py-style saves: UPDATE sessions SET data = <one of 200 payloads>, atime =
now(), only when the data changes) until `updates` transactions have run; every `every` seconds a
line: updates so far, the daemon's VmRSS and RssAnon (MiB), the lag of the sessions mirrored in
that window (commit of the session_fields row minus commit of the session's write, from
track_commit_timestamp: p50 / p99 / max ms) and the backlog (sessions whose row is behind).
At the end the table in Markdown, ready for README.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))


def q(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None


def rss(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                out[k] = int(v.split()[0]) / 1024.0
    return out.get("VmRSS", 0.0), out.get("RssAnon", 0.0)


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def setup(conn, work, bin_, sessions):
    q(conn, """
        DROP TABLE IF EXISTS session_fields, session_sync_errors, sessions, soak_payloads, users CASCADE;
        CREATE TABLE users (id integer PRIMARY KEY, name text);
        INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 1000) g;
        CREATE TABLE sessions (session_id char(128) UNIQUE NOT NULL, atime timestamp NOT NULL DEFAULT current_timestamp,
                               data text);
        CREATE TABLE soak_payloads (n integer PRIMARY KEY, data text NOT NULL);""")
    gen = [sys.executable, os.path.join(HERE, "daemon_lag_data.py")]
    for kind, count, table in (("sessions", sessions, "sessions (session_id, data)"), ("payloads", 200, "soak_payloads")):
        path = os.path.join(work, kind + ".copy")
        with open(path, "w") as f:
            subprocess.run(gen + [kind, str(count)], stdout=f, check=True)
        with open(path) as f, conn.cursor() as cur:
            cur.copy_expert("COPY %s FROM STDIN" % table, f)
    q(conn, "VACUUM ANALYZE")
    cfg = os.path.join(work, "soak.toml")
    with open(cfg, "w") as f:
        f.write("[log]\nstats_interval_s = 60\n")
    subprocess.run([bin_, "install", "--config", cfg], check=True, stdout=subprocess.DEVNULL)
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--updates", type=int, default=int(os.environ.get("SOAK_UPDATES", 1000000)))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("SOAK_RATE", 2000)))
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--every", type=float, default=30.0)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="soak.")
    conn = psycopg2.connect("")
    conn.autocommit = True
    cfg = setup(conn, work, a.bin, a.sessions)
    logf = open(os.path.join(work, "daemon.log"), "w")
    d = subprocess.Popen([a.bin, "run", "--config", cfg], stdout=subprocess.DEVNULL, stderr=logf)
    t0 = time.monotonic()
    while "caught up" not in open(logf.name).read():
        if d.poll() is not None or time.monotonic() - t0 > 600:
            sys.exit("the daemon did not catch up (log: %s)" % logf.name)
        time.sleep(0.2)
    time.sleep(2)
    script = os.path.join(work, "update.sql")
    with open(script, "w") as f:
        f.write("\\set id random(1, :nsessions)\n\\set p random(0, 199)\n"
                "UPDATE sessions s SET data = p.data, atime = now() FROM soak_payloads p "
                "WHERE s.session_id = md5(:id::text)::bpchar AND p.n = :p AND s.data IS DISTINCT FROM p.data;\n")
    clients = 8
    per_client = (a.updates + clients - 1) // clients
    pgb = subprocess.Popen([os.path.join(os.environ["PG_BIN"], "pgbench"), "-n", "-c", str(clients), "-j", "2",
                            "-t", str(per_client), "-R", str(a.rate), "-D", "nsessions=%d" % a.sessions, "-f", script],
                           stdout=open(os.path.join(work, "pgbench.log"), "w"), stderr=subprocess.STDOUT,
                           env=dict(os.environ, PGOPTIONS="-c synchronous_commit=off"))
    rows = []
    start = time.monotonic()
    x0 = updates(conn)
    last = q(conn, "SELECT now()")[0][0]
    vm0, anon0 = rss(d.pid)
    rows.append((0.0, 0, vm0, anon0, None, None, None, 0))
    print("soak: %d updates at %d/s over %d sessions; daemon pid %d, RSS %.1f MiB at start"
          % (a.updates, a.rate, a.sessions, d.pid, vm0), flush=True)
    done = False
    while not done:
        time.sleep(a.every)
        done = pgb.poll() is not None
        if done:
            # the last writes: until every row is in sync (or 10 min)
            end = time.monotonic() + 600
            while time.monotonic() < end and backlog(conn) > 0:
                time.sleep(1)
        now = q(conn, "SELECT now()")[0][0]
        lags = [float(r[0]) for r in q(conn, """
            SELECT extract(epoch FROM pg_xact_commit_timestamp(f.xmin) - pg_xact_commit_timestamp(s.xmin)) * 1000
            FROM sessions s JOIN session_fields f USING (session_id)
            WHERE pg_xact_commit_timestamp(f.xmin) > %s AND pg_xact_commit_timestamp(f.xmin) <= %s
              AND f.data_hash = session_syncd.data_hash(s.data)""", (last, now))]
        last = now
        x = updates(conn)
        vm, anon = rss(d.pid)
        row = (time.monotonic() - start, x - x0, vm, anon, pct(lags, 0.5), pct(lags, 0.99), max(lags, default=0.0),
               backlog(conn))
        rows.append(row)
        print("  %6.0f s  %9d updates  RSS %6.1f MiB (anon %6.1f)  lag p50 %7.1f p99 %7.1f max %7.1f ms  backlog %d"
              % row, flush=True)
    out = open(os.path.join(work, "pgbench.log")).read()
    d.terminate()
    d.wait(30)
    tps = [l for l in out.splitlines() if l.startswith("tps") or "transactions actually processed" in l]
    print("\npgbench: " + "; ".join(tps))
    print("\n| time | updates | daemon RSS | RssAnon | lag p50 | lag p99 | lag max | backlog |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t, n, vm, an, p50, p99, mx, bl in rows:
        f = (lambda v: "-" if v is None else "%.0f ms" % v)
        print("| %.0f s | %d | %.1f MiB | %.1f MiB | %s | %s | %s | %d |" % (t, n, vm, an, f(p50), f(p99), f(mx), bl))
    print("\nlogs in %s" % work)


def updates(conn):
    """Rows of sessions updated so far (the statistics system's count, flushed about once a second)."""
    return int(q(conn, "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sessions'")[0][0])


def backlog(conn):
    return int(q(conn, """SELECT count(*) FROM sessions s LEFT JOIN session_fields f USING (session_id)
                          WHERE f.data_hash IS DISTINCT FROM session_syncd.data_hash(s.data)""")[0][0])


if __name__ == "__main__":
    main()
