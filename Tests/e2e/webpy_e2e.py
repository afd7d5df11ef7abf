#!/usr/bin/env python3
"""End to end: the web.py app of examples/webpy-app, driven over HTTP, mirrored by session-syncd.

For each schema web.py users have (session_id char(128) + data text; varchar + bytea):
  - a database with users and sessions, `session-syncd install` with the example's
    config (default columns, username, cart_total, user.balance, user.created_at, jsonb);
  - sessions an older app left behind: Python 2 cPickle protocol 0 (some written before the
    daemon starts, so the catch-up finds them) and protocol 5 written directly;
  - `session-syncd run` and the app (web.py's built-in server on a free loopback port);
  - E2E_CLIENTS concurrent clients (default 16), each with its own cookie jar, log in (some
    as a uid no user has), navigate, fill carts, some log out (session.kill()) and go on
    anonymously; the legacy sessions are rewritten meanwhile;
  - then: every session_fields row equals what CPython's pickle.loads reads from the same
    sessions.data (every mapped column and the jsonb column), errors exactly where expected
    (a uid with no user: NULL plus an error), logged-out sessions have no row, `verify` exits
    0, the daemon exits 0 on SIGTERM.

Reads PG* (the cluster of scripts/test); creates and drops its own databases.
Last line: "e2e: N passed, M failed".
"""
import datetime
import decimal
import http.cookiejar
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Results, Storage, log  # noqa: E402

CLIENTS = int(os.environ.get("E2E_CLIENTS", "16"))
USERS = list(range(1, 41))
NO_USER = 999
PAGES = ["index", "catalog", "product/17", "cart", "checkout", "profile", "help", "caf\u00e9/menu"]


def legacy_session(n, when):
    uid = USERS[n % len(USERS)]
    user = Storage(id=uid, name="Jos\u00e9 %d" % n, email="u%d@example.org" % n,
                   balance=decimal.Decimal("%d.%02d" % (n, n % 100)),
                   created_at=datetime.datetime(2011, 3, 4, 5, 6, 7, n * 1000))
    return {"uid": uid, "username": user.name, "current_page": "legacy/%d/%s" % (n, when), "user_role": "member",
            "user": user, "cart": [Storage(item="book", qty=2, price=decimal.Decimal("9.99"))],
            "cart_total": decimal.Decimal("19.98"), "ip": "192.0.2.%d" % (n % 250)}


def legacy_rows(prefix, count, protocol, when):
    import base64
    for n in range(count):
        d = legacy_session(n, when)
        raw = harness.py2_dumps(d) if protocol == "py2" else __import__("pickle").dumps(d, protocol=5)
        yield "%s%037d" % (prefix, n), base64.encodebytes(raw).decode("ascii")


def write_legacy(db, prefix, count, protocol, when):
    conn = harness.connect(db.dsn)
    cur = conn.cursor()
    for key, data in legacy_rows(prefix, count, protocol, when):
        value = data.encode("ascii") if db.bytea else data
        cur.execute("UPDATE sessions SET data = %s, atime = now() WHERE session_id = %s", (value, key))
        if cur.rowcount == 0:
            cur.execute("INSERT INTO sessions (session_id, data) VALUES (%s, %s)", (key, value))
    conn.close()


class Client(threading.Thread):
    """One browser: a cookie jar, a sequence of pages, bounded time."""

    def __init__(self, app, n, deadline):
        super().__init__(daemon=True)
        self.app, self.n, self.deadline = app, n, deadline
        self.rng = random.Random(n)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.killed = []       # session ids this client logged out
        self.errors = []
        self.requests = 0
        self.no_user = False

    def sid(self):
        return next((c.value for c in self.jar if c.name == "webpy_session_id"), None)

    def call(self, path, form=None):
        if time.monotonic() > self.deadline:
            raise TimeoutError("client deadline")
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        with self.opener.open(self.app.url(urllib.parse.quote(path)), data=body, timeout=15) as r:
            r.read()
        self.requests += 1

    def run(self):
        try:
            rounds = 2 if self.n % 3 == 0 else 1
            for r in range(rounds):
                self.call("/whoami")
                uid = NO_USER if self.n % 7 == 3 else self.rng.choice(USERS)
                self.no_user = self.no_user or uid == NO_USER
                self.call("/login", {"uid": uid, "role": self.rng.choice(["member", "admin", "editor"])})
                for _ in range(self.rng.randint(3, 8)):
                    if self.rng.random() < 0.4:
                        self.call("/cart", {"item": self.rng.choice(["tea", "book", "pen"]),
                                            "qty": self.rng.randint(1, 5),
                                            "price": "%d.%02d" % (self.rng.randint(0, 99), self.rng.randint(0, 99))})
                    else:
                        self.call("/page/" + self.rng.choice(PAGES))
                if r < rounds - 1 or self.n % 3 == 1:
                    sid = self.sid()
                    self.call("/logout", {})
                    self.killed.append(sid)
                    self.jar.clear()
        except Exception as e:  # noqa: BLE001 (reported as a failure)
            self.errors.append("client %d: %s: %s" % (self.n, type(e).__name__, e))


def run_schema(res, schema, workdir):
    name = "e2e_" + schema.replace("-", "_")
    db = harness.Database("dbname=postgres", harness.env_dsn, name, schema, workdir=workdir)
    db.add_users(USERS)
    write_legacy(db, "py2", 20, "py2", "before")         # before the daemon: the catch-up's
    daemon = harness.Daemon(db.config_path, db.dsn, os.path.join(workdir, name + ".daemon.log")).start()
    app = None
    try:
        res.expect("%s: daemon listening" % schema, daemon.wait_log("listening; catching up"))
        env = dict(os.environ, PGDATABASE=name, WEBPY_SESSIONS_TABLE="sessions")
        app = harness.App(env, os.path.join(workdir, name + ".app.log"))
        write_legacy(db, "p5x", 20, 5, "before")
        deadline = time.monotonic() + 90
        clients = [Client(app, n, deadline) for n in range(CLIENTS)]
        t0 = time.monotonic()
        for c in clients:
            c.start()
        write_legacy(db, "py2", 20, "py2", "during")         # rewritten while clients run
        write_legacy(db, "p5x", 20, 5, "during")
        for c in clients:
            c.join(max(0.0, deadline - time.monotonic()) + 5)
        took = time.monotonic() - t0
        requests = sum(c.requests for c in clients)
        res.expect("%s: %d clients made %d requests in %.1f s without an HTTP error" % (
            schema, CLIENTS, requests, took), [e for c in clients for e in c.errors])
        res.expect("%s: session_fields caught up" % schema, harness.wait_synced(db, 60))
        res.expect("%s: every row equals pickle.loads of its sessions.data (columns, jsonb, errors), verify exits 0"
                   % schema, harness.check(db))
        conn = harness.connect(db.dsn)
        cur = conn.cursor()
        killed = [k for c in clients for k in c.killed]
        cur.execute("SELECT count(*) FROM sessions WHERE rtrim(session_id) = ANY(%s)", (killed,))
        in_sessions = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM session_fields WHERE rtrim(session_id) = ANY(%s)", (killed,))
        in_fields = cur.fetchone()[0]
        res.expect("%s: %d logged-out sessions: no sessions row, no session_fields row" % (schema, len(killed)),
                   len(killed) > 0 and in_sessions == 0 and in_fields == 0)
        cur.execute("SELECT count(*) FROM session_fields f JOIN session_sync_errors e USING (session_id)"
                    " WHERE f.uid IS NULL AND e.column_name = 'uid' AND e.reason LIKE '%%users%%'")
        no_user = cur.fetchone()[0]
        res.expect("%s: uid %d (no such user) stored as NULL with an error, %d sessions" % (schema, NO_USER, no_user),
                   no_user > 0)
        cur.execute("SELECT count(*) FROM session_fields WHERE current_page LIKE 'legacy/%%/during'"
                    " AND session_json->'user'->>'name' LIKE 'Jos\u00e9 %%'")
        legacy = cur.fetchone()[0]
        res.expect("%s: Python 2 protocol 0 and protocol 5 sessions synced (%d of 40)" % (schema, legacy), legacy == 40)
        cur.execute("SELECT count(*) FROM session_fields WHERE member_since IS NOT NULL AND balance IS NOT NULL"
                    " AND rtrim(session_id) NOT LIKE 'py2%%' AND rtrim(session_id) NOT LIKE 'p5x%%'")
        res.expect("%s: the app's logged-in sessions carry the user's Decimal and datetime" % schema,
                   cur.fetchone()[0] > 0)
        conn.close()
    finally:
        if app:
            app.stop()
        status = daemon.stop()
    res.expect("%s: daemon exits 0 on SIGTERM" % schema, status == 0)
    if res.failed:
        log("--- daemon log (last lines) ---")
        log("\n".join(daemon.log().splitlines()[-15:]))


def main():
    res = Results()
    workdir = tempfile.mkdtemp(prefix="session-syncd-e2e.")
    for schema in harness.SCHEMAS:
        try:
            run_schema(res, schema, workdir)
        except Exception as e:  # noqa: BLE001
            res.expect("%s: ran to the end" % schema, ["%s: %s" % (type(e).__name__, e)])
    if not res.failed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log("logs kept in %s" % workdir)
    print("e2e: %d passed, %d failed" % (res.passed, res.failed))
    sys.exit(1 if res.failed else 0)


if __name__ == "__main__":
    main()
