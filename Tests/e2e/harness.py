"""Shared pieces of the end-to-end and fault suites (Tests/e2e/).

- Cluster: a private PostgreSQL cluster (initdb/start/stop/restart/promote, a streaming
  standby), run as the postgres user when we are root, loopback TCP on a free port.
- Database: one test database with web.py's tables in one of the two schemas web.py
  users have, session-syncd installed with examples/webpy-app/config.toml.
- Daemon / App: the session-syncd binary and the example web.py app as subprocesses.
- py2_dumps: a session dict as Python 2's cPickle.dumps(d) (protocol 0) writes it.
- check(): every session_fields row against what CPython's pickle.loads reads from the
  same sessions.data (restricted: only the classes web.py sessions hold are loaded; any
  other global is hostile and means "undecodable"), the errors table, and `verify`.

Only the standard library, psycopg2 and web.py (for web.utils.Storage) are used.
"""
import base64
import datetime
import decimal
import importlib.util
import io
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib

import psycopg2
import psycopg2.extras
import psycopg2.tz  # noqa: F401  (imported before the reference module below touches it)
import web.utils

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APP = os.path.join(ROOT, "examples", "webpy-app")
BIN = os.environ.get("SESSION_SYNCD_BIN") or os.path.join(ROOT, ".build", "debug", "session-syncd")

# The reference canonical JSON of the codec's golden corpus (one definition of the rules).
# Its module registers stand-ins for web.utils.Storage and psycopg2.tz.FixedOffsetTimezone;
# the real classes are put back, and the reference is pointed at the real Storage.
_saved = (web.utils.Storage, psycopg2.tz.FixedOffsetTimezone)
_spec = importlib.util.spec_from_file_location(
    "codec_golden", os.path.join(ROOT, "Tests", "PickleCodecTests", "Fixtures", "generate.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
web.utils.Storage, psycopg2.tz.FixedOffsetTimezone = _saved
golden.Storage = web.utils.Storage
Storage = web.utils.Storage


def canonical(value):
    return golden.canonical(value, 4)


def log(msg):
    print(msg, flush=True)


class Results:
    """A suite's tally: expect() logs one ok/FAIL line per check, with its failures."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def expect(self, name, failures):
        if isinstance(failures, bool):
            failures = [] if failures else ["condition false"]
        if failures:
            self.failed += 1
            log("FAIL %s" % name)
            for f in failures:
                log("     %s" % f)
        else:
            self.passed += 1
            log("ok   %s" % name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- PostgreSQL

def pg_bin():
    base = "/usr/lib/postgresql"
    for v in sorted(os.listdir(base), key=lambda x: int(x) if x.isdigit() else 0, reverse=True):
        if os.path.exists(os.path.join(base, v, "bin", "initdb")):
            return os.path.join(base, v, "bin")
    raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")


def as_postgres(args, **kw):
    """PostgreSQL refuses to run as root: run server tools as the postgres user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class Cluster:
    """A private cluster in a temporary directory, TCP on 127.0.0.1:<port>."""

    SETTINGS = ["fsync=off", "full_page_writes=off", "max_connections=100", "wal_level=replica",
                "max_wal_senders=4", "hot_standby=on", "shared_buffers=32MB", "log_min_messages=warning"]

    def __init__(self, name, base_dir=None, port=None):
        self.bin = pg_bin()
        self.dir = base_dir or tempfile.mkdtemp(prefix="session-syncd-%s." % name)
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = port or free_port()

    def opts(self):
        o = "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.dir)
        return o + "".join(" -c " + s for s in self.SETTINGS)

    def init(self):
        as_postgres([self.bin + "/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8"])
        with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        return self

    def pg_ctl(self, *args):
        return as_postgres([self.bin + "/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log")]
                           + list(args))

    def start(self):
        self.pg_ctl("-o", self.opts(), "-w", "-t", "60", "start")
        return self

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode="fast"):
        self.pg_ctl("-m", mode, "-o", self.opts(), "-w", "-t", "60", "restart")

    def promote(self):
        self.pg_ctl("-w", "-t", "60", "promote")

    def standby(self, name):
        """A streaming standby of this cluster (pg_basebackup -R), started."""
        sb = Cluster(name)
        as_postgres([self.bin + "/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     "-D", sb.data, "-R", "-X", "stream", "-c", "fast"])
        return sb.start()

    def dsn(self, dbname="postgres"):
        return "host=127.0.0.1 port=%d dbname=%s user=postgres" % (self.port, dbname)

    def destroy(self):
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def env_dsn(dbname):
    """The cluster of the PG* environment (scripts/test's), another database."""
    return "dbname=%s" % dbname


def connect(dsn, autocommit=True, **kw):
    conn = psycopg2.connect(dsn, **kw)
    conn.autocommit = autocommit
    return conn


SCHEMAS = {
    # web.py's documented DBStore table, key padded to 128.
    "char128-text": "session_id char(128) UNIQUE NOT NULL, atime timestamp NOT NULL DEFAULT current_timestamp, data text",
    # The other common one: varchar key, data as bytea holding the same base64 text.
    "varchar-bytea": "session_id varchar(128) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data bytea",
}


def config_text(extra=""):
    with open(os.path.join(APP, "config.toml")) as f:
        return f.read() + extra


class Database:
    """A fresh database with the app's users and a sessions table, session-syncd installed."""

    def __init__(self, admin_dsn, dsn_of, name, schema, extra_config="", workdir=None):
        self.name = name
        self.dsn = dsn_of(name)
        c = connect(admin_dsn)
        c.cursor().execute('DROP DATABASE IF EXISTS "%s"' % name)
        c.cursor().execute('CREATE DATABASE "%s"' % name)
        c.close()
        self.workdir = workdir or tempfile.mkdtemp(prefix="session-syncd-e2e.")
        self.config_path = os.path.join(self.workdir, "%s.toml" % name)
        text = config_text(extra_config)
        with open(self.config_path, "w") as f:
            f.write(text)
        self.config = tomllib.loads(text)
        c = connect(self.dsn)
        with c.cursor() as cur:
            cur.execute("CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL,"
                        " balance numeric(12, 2) NOT NULL DEFAULT 0, created_at timestamp NOT NULL DEFAULT now())")
            cur.execute("CREATE TABLE sessions (%s)" % SCHEMAS[schema])
        c.close()
        self.bytea = schema.endswith("bytea")
        run_cli("install", self.config_path, self.dsn)

    def add_users(self, ids):
        c = connect(self.dsn)
        with c.cursor() as cur:
            psycopg2.extras.execute_values(cur, "INSERT INTO users VALUES %s", [
                (i, "user%d" % i, "user%d@example.org" % i, decimal.Decimal(i * 7 % 10000) / 100,
                 datetime.datetime(2020, 1, 1) + datetime.timedelta(days=i, microseconds=i * 1013))
                for i in ids])
        c.close()


def run_cli(command, config, dsn, check=True):
    p = subprocess.run([BIN, command, "--config", config, "--dsn", dsn], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("session-syncd %s exited %d: %s" % (command, p.returncode, p.stderr[-2000:]))
    return p


class Daemon:
    """`session-syncd run` with its log in a file."""

    def __init__(self, config, dsn, log_path):
        self.config, self.dsn, self.log_path = config, dsn, log_path
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen([BIN, "run", "--config", self.config, "--dsn", self.dsn],
                                     stdout=subprocess.DEVNULL, stderr=self.logf)
        return self

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def count(self, text):
        return self.log().count(text)

    def wait_log(self, text, count=1, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.count(text) >= count:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()
        return self.proc.returncode if self.proc else None


class App:
    """examples/webpy-app on web.py's built-in server, 127.0.0.1:<free port>."""

    def __init__(self, env, log_path):
        self.port = free_port()
        self.logf = open(log_path, "w")
        self.proc = subprocess.Popen([sys.executable, os.path.join(APP, "app.py"), "127.0.0.1:%d" % self.port],
                                     env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the web.py app did not start (see %s)" % log_path)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


# ---------------------------------------------------------------- pickles

def webpy_encode(d, protocol=4):
    """What web.py's DBStore stores: base64.encodebytes(pickle.dumps(d))."""
    return base64.encodebytes(pickle.dumps(d, protocol=protocol)).decode("ascii")


class _Py2Writer:
    """Python 2 cPickle protocol 0, byte by byte (no Python 2 here): str as S'...' (latin-1),
    non-latin-1 text as V, ints as I, big ones as L, Decimal as decimal.Decimal(str),
    datetime as datetime.datetime(<10-byte state>), Storage via copy_reg._reconstructor,
    every string, tuple, list, dict and global memoized as cPickle does (pN)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.memo = 0

    def put(self):
        self.memo += 1
        self.out.write(b"p%d\n" % self.memo)

    def glob(self, module, name):
        self.out.write(b"c%s\n%s\n" % (module.encode(), name.encode()))
        self.put()

    def dump(self, o):
        w = self.out.write
        if o is None:
            w(b"N")
        elif o is True or o is False:
            w(b"I01\n" if o else b"I00\n")
        elif isinstance(o, int):
            w(b"I%d\n" % o if -2 ** 63 <= o < 2 ** 63 else b"L%dL\n" % o)
        elif isinstance(o, str):
            try:
                raw = o.encode("latin-1")
                w(b"S" + golden.py2repr(raw) + b"\n")
            except UnicodeEncodeError:
                w(b"V" + o.replace("\\", "\\u005c").replace("\n", "\\u000a").encode("raw-unicode-escape") + b"\n")
            self.put()
        elif isinstance(o, decimal.Decimal):
            self.glob("decimal", "Decimal")
            w(b"(")
            self.dump(str(o))
            w(b"t")
            self.put()
            w(b"R")
            self.put()
        elif isinstance(o, datetime.datetime):
            self.glob("datetime", "datetime")
            w(b"(")
            us = o.microsecond
            state = bytes([o.year >> 8, o.year & 255, o.month, o.day, o.hour, o.minute, o.second,
                           us >> 16, (us >> 8) & 255, us & 255])
            w(b"S" + golden.py2repr(state) + b"\n")
            self.put()
            w(b"t")
            self.put()
            w(b"R")
            self.put()
        elif isinstance(o, (list, tuple)):
            w(b"(l" if isinstance(o, list) else b"(")
            if isinstance(o, list):
                self.put()
            for x in o:
                self.dump(x)
                if isinstance(o, list):
                    w(b"a")
            if isinstance(o, tuple):
                w(b"t")
                self.put()
        elif type(o) is Storage:
            self.glob("copy_reg", "_reconstructor")
            w(b"(")
            self.glob("web.utils", "Storage")
            self.glob("__builtin__", "dict")
            self.dict_(o)
            w(b"t")
            self.put()
            w(b"R")
            self.put()
        elif isinstance(o, dict):
            self.dict_(o)
        else:
            raise TypeError("py2_dumps: %r" % type(o))

    def dict_(self, d):
        self.out.write(b"(d")
        self.put()
        for k, v in d.items():
            self.dump(k)
            self.dump(v)
            self.out.write(b"s")


def py2_dumps(d):
    w = _Py2Writer()
    w.dump(d)
    w.out.write(b".")
    return w.out.getvalue()


class _SessionUnpickler(pickle.Unpickler):
    """CPython's unpickler, loading only what web.py sessions hold: anything else is hostile."""
    ALLOWED = {("web.utils", "Storage"), ("decimal", "Decimal"), ("copyreg", "_reconstructor"),
               ("copy_reg", "_reconstructor"), ("builtins", "dict"), ("__builtin__", "dict"),
               ("builtins", "object"), ("__builtin__", "object"), ("builtins", "set"), ("__builtin__", "set")} | {
        ("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError("refused global %s.%s" % (module, name))
        return super().find_class(module, name)


def load_session(data):
    """sessions.data (text or bytea) -> the session dict, or None if it is not a loadable dict."""
    if isinstance(data, memoryview):
        data = bytes(data)
    if isinstance(data, str):
        data = data.encode("ascii", "replace")
    try:
        raw = base64.b64decode(data.replace(b"\n", b""), validate=True)
        v = _SessionUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except Exception:
        return None
    return v if isinstance(v, dict) else None


# ---------------------------------------------------------------- the check

def _walk(d, path):
    for step in path:
        if not isinstance(d, dict) or d.get(step) is None:
            return None
        d = d[step]
    return d


def expected_row(config, d, user_ids):
    """(values by column, error columns) that session-syncd must store for session dict d."""
    cols = [{"name": "uid", "type": "integer", "null_values": [0], "references": "users(id)"},
            {"name": "current_page", "type": "text"}, {"name": "user_role", "type": "text"}]
    for c in config.get("column", []):
        cols = [x for x in cols if x["name"] != c["name"]] + [c]
    values, errors = {}, set()
    for c in cols:
        path = c.get("path", c["name"])
        path = path.split(".") if isinstance(path, str) else path
        v = _walk(d, path) if d is not None else None
        if v is not None and v in c.get("null_values", []) and not isinstance(v, bool):
            v = None
        t = c.get("type", "text")
        if v is None:
            pass
        elif t in ("integer", "bigint"):
            assert isinstance(v, int) and not isinstance(v, bool), (c["name"], v)
            if c.get("references") == "users(id)" and v not in user_ids:
                v = None
                errors.add(c["name"])
        elif t == "numeric":
            v = decimal.Decimal(v)
        elif t == "timestamp":
            assert isinstance(v, datetime.datetime) and v.tzinfo is None, (c["name"], v)
        elif t == "text":
            assert isinstance(v, str), (c["name"], v)
        values[c["name"]] = v
    jc = config.get("target", {}).get("json_column")
    if jc:
        values[jc] = None if d is None else json.loads(canonical(d), parse_float=decimal.Decimal)
    if d is None:
        errors = {"$data"}
    return values, errors


def _same(a, b):
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str) or a == b
    return a == b


def check(db, require_errors=True, limit_report=5, deleted_users=(), tolerated=None):
    """Every session against its session_fields row, the errors table, and `verify`.
    Returns a list of failure descriptions (empty: all exact).

    A session that is not a loadable dict (hostile, corrupt) must have every mapped column NULL
    and a `$data` error; its jsonb column is not compared here (the daemon writes the canonical
    JSON of any pickle it can decode without running it, e.g. `{"$class": "os.system", ...}`;
    scripts/codec-differential checks that JSON against CPython).
    deleted_users: ids of users rows deleted while sessions referenced them. The foreign key's
    ON DELETE SET NULL makes such a session's uid NULL (checked) without an error in the errors
    table until the session is written again; such a missing `uid` error is appended to
    `tolerated` (a list) instead of failing."""
    conn = connect(db.dsn)
    psycopg2.extras.register_default_jsonb(conn, loads=lambda s: json.loads(s, parse_float=decimal.Decimal))
    cur = conn.cursor()
    cur.execute("SELECT id FROM users")
    user_ids = {r[0] for r in cur.fetchall()}
    cur.execute("SELECT session_id, data FROM sessions")
    sessions = {k.rstrip(" "): v for k, v in cur.fetchall()}
    cur.execute("SELECT * FROM session_fields")
    names = [d[0] for d in cur.description]
    rows = {r[0].rstrip(" "): dict(zip(names, r)) for r in cur.fetchall()}
    cur.execute("SELECT session_id, column_name FROM session_sync_errors")
    errs = {}
    for k, col in cur.fetchall():
        errs.setdefault(k.rstrip(" "), set()).add(col)
    conn.close()
    failures = []
    jc = db.config.get("target", {}).get("json_column")
    for k, data in sessions.items():
        row = rows.get(k)
        ref = "session %s" % k[:8]
        if row is None:
            failures.append("%s: no session_fields row" % ref)
            continue
        d = load_session(data)
        want, want_errors = expected_row(db.config, d, user_ids)
        for col, v in want.items():
            if d is None and col == jc:
                continue
            if not _same(row[col], v):
                failures.append("%s: %s is %r, pickle.loads gives %r" % (ref, col, row[col], v))
        got_errors = errs.get(k, set())
        if (tolerated is not None and want_errors - got_errors == {"uid"} and got_errors <= want_errors
                and d is not None and d.get("uid") in deleted_users):
            tolerated.append(k)
            continue
        if require_errors and got_errors != want_errors:
            failures.append("%s: errors recorded for %s, expected for %s" % (ref, sorted(got_errors), sorted(want_errors)))
    for k in rows.keys() - sessions.keys():
        failures.append("session %s: a row without a session" % k[:8])
    v = run_cli("verify", db.config_path, db.dsn, check=False)
    if v.returncode != 0:
        failures.append("verify exited %d: %s" % (v.returncode, v.stdout.strip().replace("\n", "; ")))
    if len(failures) > limit_report:
        failures = failures[:limit_report] + ["... %d more" % (len(failures) - limit_report)]
    return failures


def wait_synced(db, timeout=60):
    """Until every session has a row whose data_hash matches its data (True), or timeout (False)."""
    conn = connect(db.dsn)
    cur = conn.cursor()
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            cur.execute("SELECT count(*) FROM sessions s LEFT JOIN session_fields f USING (session_id)"
                        " WHERE f.data_hash IS DISTINCT FROM session_syncd.data_hash(s.data)")
            if cur.fetchone()[0] == 0:
                return True
            time.sleep(0.1)
        return False
    finally:
        conn.close()
