#!/usr/bin/env python3
"""deploy/postgres_exporter-queries.yaml: the format postgres_exporter reads, and queries that run.

  - the file parses (PyYAML) as postgres_exporter's --extend.query-path format: a mapping of
    query names to {query, metrics, master?, cache_seconds?, runonserver?}; each metric a
    one-key mapping {column: {usage, description}} with a usage postgres_exporter knows;
    metric names (<query name>_<column>) unique;
  - against a database with session-syncd installed and `session-syncd run` writing its status
    row, every query runs as a role that is only a member of pg_monitor (the exporter's usual
    role) and returns exactly the declared columns, numbers where a metric is declared;
  - the values mean what they say: one fresh active instance and heartbeat age below a few
    intervals while the daemon runs; no fresh active instance after it stopped; the per-instance
    query labels the row with the daemon's host, pid, target and role.

Reads PG* (the cluster of scripts/test); creates and drops its own database.
Last line: "exporter queries: N passed, M failed".
"""
import os
import re
import socket
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Results, log  # noqa: E402

FILE = os.path.join(harness.ROOT, "deploy", "postgres_exporter-queries.yaml")
USAGES = {"LABEL", "COUNTER", "GAUGE", "MAPPEDMETRIC", "DURATION", "DISCARD", "HISTOGRAM"}
QUERY_KEYS = {"query", "metrics", "master", "cache_seconds", "runonserver"}
NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
EXPORTER_ROLE = "session_syncd_exporter_test"


def format_problems(doc):
    """What in the parsed file postgres_exporter would not read as a query map."""
    problems = []
    if not isinstance(doc, dict) or not doc:
        return ["top level is not a non-empty mapping"]
    seen = set()
    for name, q in doc.items():
        if not isinstance(name, str) or not NAME.match(name):
            problems.append("%r: not a metric namespace name" % (name,))
        if not isinstance(q, dict):
            problems.append("%s: not a mapping" % name)
            continue
        extra = set(q) - QUERY_KEYS
        if extra:
            problems.append("%s: unknown keys %s" % (name, sorted(extra)))
        if not isinstance(q.get("query"), str) or not q["query"].strip():
            problems.append("%s: no query text" % name)
        for key in ("master", "runonserver"):
            if key in q and not isinstance(q[key], (bool, str)):
                problems.append("%s: %s has the wrong type" % (name, key))
        if "cache_seconds" in q and not isinstance(q["cache_seconds"], int):
            problems.append("%s: cache_seconds is not an integer" % name)
        metrics = q.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            problems.append("%s: metrics is not a non-empty list" % name)
            continue
        for m in metrics:
            if not isinstance(m, dict) or len(m) != 1:
                problems.append("%s: metric %r is not a one-key mapping" % (name, m))
                continue
            (col, spec), = m.items()
            if not isinstance(col, str) or not NAME.match(col):
                problems.append("%s: column %r is not a metric name" % (name, col))
            if not isinstance(spec, dict) or spec.get("usage") not in USAGES:
                problems.append("%s.%s: usage missing or unknown" % (name, col))
                continue
            if not isinstance(spec.get("description"), str) or not spec["description"]:
                problems.append("%s.%s: no description" % (name, col))
            full = "%s_%s" % (name, col)
            if spec["usage"] != "LABEL":
                if full in seen:
                    problems.append("%s: metric name used twice" % full)
                seen.add(full)
    return problems


def declared(q):
    return [(col, spec["usage"]) for m in q["metrics"] for col, spec in m.items()]


def run_queries(doc, dsn):
    """Every query's rows as dicts, run as the pg_monitor-only role."""
    out = {}
    conn = harness.connect(dsn + " user=" + EXPORTER_ROLE)
    try:
        with conn.cursor() as cur:
            for name, q in doc.items():
                cur.execute(q["query"])
                cols = [d[0] for d in cur.description]
                out[name] = (cols, [dict(zip(cols, r)) for r in cur.fetchall()])
    finally:
        conn.close()
    return out


def column_problems(doc, results):
    problems = []
    for name, q in doc.items():
        cols, rows = results[name]
        want = [c for c, _ in declared(q)]
        if sorted(cols) != sorted(want):
            problems.append("%s: returns %s, declares %s" % (name, cols, want))
        for row in rows:
            for col, usage in declared(q):
                v = row.get(col)
                if usage == "LABEL" and not isinstance(v, str):
                    problems.append("%s.%s: label is %r, not text" % (name, col, v))
                if usage in ("GAUGE", "COUNTER") and v is not None:
                    try:
                        float(v)
                    except (TypeError, ValueError):
                        problems.append("%s.%s: %r is not a number" % (name, col, v))
    return problems


def wait_for(fn, timeout=60):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.2)


def main():
    res = Results()
    with open(FILE) as f:
        doc = yaml.safe_load(f)
    problems = format_problems(doc)
    res.expect("%s parses as postgres_exporter's query-path format" % os.path.relpath(FILE, harness.ROOT), problems)
    if problems:
        print("exporter queries: %d passed, %d failed" % (res.passed, res.failed))
        sys.exit(1)
    required = {"session_syncd": {"active_fresh_instances", "active_heartbeat_age_seconds", "active_lag_p99_ms"},
                "session_syncd_instance": {"host", "pid", "target", "role", "lag_p50_ms", "lag_p99_ms",
                                           "lag_max_ms", "errors", "heartbeat_age_seconds", "backlog"}}
    res.expect("the file declares lag p50/p99/max, errors, heartbeat age, active instances, backlog, host/pid/target/role",
               ["%s lacks %s" % (n, sorted(cols - {c for c, _ in declared(doc.get(n, {"metrics": []}))}))
                for n, cols in required.items()
                if cols - {c for c, _ in declared(doc.get(n, {"metrics": []}))}])

    workdir = tempfile.mkdtemp(prefix="session-syncd-exporter.")
    admin = harness.env_dsn("postgres")
    db = harness.Database(admin, harness.env_dsn, "syncd_exporter", "char128-text",
                          extra_config="\n[status]\ninterval_s = 1\n", workdir=workdir)
    c = harness.connect(db.dsn)
    with c.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (EXPORTER_ROLE,))
        if not cur.fetchone():
            cur.execute("CREATE ROLE %s LOGIN IN ROLE pg_monitor" % EXPORTER_ROLE)
    c.close()
    daemon = harness.Daemon(db.config_path, db.dsn, os.path.join(workdir, "daemon.log")).start()
    try:
        def active():
            # The queries run one after another (as postgres_exporter runs them), so the daemon's
            # heartbeat may change its row between them: wait until both show it active.
            r = run_queries(doc, db.dsn)
            agg = r["session_syncd"][1][0]
            roles = [row["role"] for row in r["session_syncd_instance"][1]]
            return r if agg["active_fresh_instances"] == 1 and roles == ["active"] else None
        r = wait_for(active)
        res.expect("with a running daemon: session_syncd_active_fresh_instances is 1", r is not None)
        if r is None:
            r = run_queries(doc, db.dsn)
        res.expect("with a running daemon: every query returns its declared columns", column_problems(doc, r))
        agg = r["session_syncd"][1][0]
        age = agg["active_heartbeat_age_seconds"]
        res.expect("active heartbeat age is a few seconds at most (%r)" % age, age is not None and 0 <= age < 5)
        rows = r["session_syncd_instance"][1]
        want = {"host": socket.gethostname(), "pid": str(daemon.proc.pid), "role": "active"}
        res.expect("one instance row labelled with the daemon's host, pid, target and role",
                   [] if len(rows) == 1 and all(rows[0][k] == v for k, v in want.items())
                   and "session_fields" in rows[0]["target"] else ["rows %r, want %r" % (rows, want)])
    finally:
        status = daemon.stop()
    res.expect("daemon exits 0 on SIGTERM", status == 0)
    r = run_queries(doc, db.dsn)
    res.expect("after it stopped: every query still returns its declared columns", column_problems(doc, r))
    agg = r["session_syncd"][1][0]
    res.expect("after it stopped: no fresh active instance (the alert's condition)",
               agg["active_fresh_instances"] == 0 and agg["instances"] == 1)
    roles = [row["role"] for row in r["session_syncd_instance"][1]]
    res.expect("after it stopped: its row says stopped (%r)" % roles, roles == ["stopped"])

    # An active instance with a fresh heartbeat that reports a warning (a hot standby, a pooler in
    # transaction mode: it syncs nothing) is not counted as a healthy active one. Written through the
    # real report_status(), as the daemon does.
    c = harness.connect(db.dsn)
    c.autocommit = True
    with c.cursor() as cur:
        cur.execute("""SELECT session_syncd.report_status(
            '00000000-0000-4000-8000-000000000001', 'public.session_fields', 'session_syncd', 'warned-host', 4242,
            'test', 'active', NULL, now(), 60, true, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0,
            'LISTEN did not receive its own test notification within 10 s', 3600)""")
    r = run_queries(doc, db.dsn)
    res.expect("with a warning row: every query returns its declared columns", column_problems(doc, r))
    agg = r["session_syncd"][1][0]
    res.expect("an active fresh instance with a warning: active_fresh_instances 0, warning_instances 1 (%r)" % agg,
               agg["active_fresh_instances"] == 0 and agg["warning_instances"] == 1 and agg["fresh_instances"] == 1)
    warned = [row for row in r["session_syncd_instance"][1] if row["pid"] == "4242"]
    res.expect("its per-instance warning is 1 (%r)" % warned,
               len(warned) == 1 and warned[0]["warning"] == 1 and warned[0]["fresh"] == 1 and warned[0]["role"] == "active")
    with c.cursor() as cur:
        cur.execute("""SELECT session_syncd.report_status(
            '00000000-0000-4000-8000-000000000001', 'public.session_fields', 'session_syncd', 'warned-host', 4242,
            'test', 'active', NULL, now(), 60, true, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0, NULL, 3600)""")
    agg = run_queries(doc, db.dsn)["session_syncd"][1][0]
    res.expect("the same row without the warning: active_fresh_instances 1, warning_instances 0 (%r)" % agg,
               agg["active_fresh_instances"] == 1 and agg["warning_instances"] == 0)
    c.close()

    c = harness.connect(admin)
    c.cursor().execute("DROP DATABASE syncd_exporter")
    c.close()
    if res.failed:
        log("--- daemon log (last lines) ---")
        log("\n".join(daemon.log().splitlines()[-15:]))
        log("logs kept in %s" % workdir)
    print("exporter queries: %d passed, %d failed" % (res.passed, res.failed))
    sys.exit(1 if res.failed else 0)


if __name__ == "__main__":
    main()
