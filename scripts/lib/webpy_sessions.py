"""Writes web.py-format sessions into the demo database (stdlib only).

web.py's DBStore stores base64.encodebytes(pickle.dumps(session_dict)) in
sessions.data. This script writes such rows the way real apps did: Python 2
cPickle protocol 0 (assembled byte by byte, as no Python 2 is at hand), and
Python 3 protocols 2 to 5 with web.utils.Storage values. One row holds a
hostile pickle (it would run os.system in a naive loader) and one a uid that
no user has. Rows go in through psql's COPY, so no value is ever spliced into
SQL text.

    python3 webpy_sessions.py write      # the demo's sessions
    python3 webpy_sessions.py navigate   # one user moves to /checkout; prints the lag
"""
import base64
import datetime
import hashlib
import io
import os
import pickle
import subprocess
import sys
import time

# web.py's Storage: the shared stand-in next to this script (scripts/lib/web/utils.py), so
# that pickles reference web.utils.Storage exactly as an app's would.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web.utils import Storage  # noqa: E402


def sid(n):
    return hashlib.sha1(b"demo-session-%d" % n).hexdigest()


def py2_protocol0(d):
    """A dict of str/int values exactly as Python 2's cPickle.dumps(d) writes it."""
    out = io.BytesIO()
    memo = 1
    out.write(b"(dp%d\n" % memo)
    for k, v in d.items():
        memo += 1
        out.write(b"S'%s'\np%d\n" % (k.encode(), memo))
        if isinstance(v, int):
            out.write(b"I%d\n" % v)
        else:
            memo += 1
            out.write(b"S'%s'\np%d\n" % (v.encode(), memo))
        out.write(b"s")
    out.write(b".")
    return out.getvalue()


def webpy(data_bytes):
    return base64.encodebytes(data_bytes).decode("ascii")


def session(n, uid, page, role, **extra):
    d = {"ip": "192.0.2.%d" % n, "session_id": sid(n), "uid": uid, "username": "user%d" % uid if uid else "",
         "current_page": page, "user_role": role}
    d.update(extra)
    return d


def rows():
    login = datetime.datetime(2026, 11, 27, 9, 30, 0, 123456)
    yield sid(1), webpy(py2_protocol0({"uid": 1, "username": "ada", "current_page": "index", "user_role": "admin"}))
    yield sid(2), webpy(pickle.dumps(session(2, 2, "reports", "member", login_time=login), protocol=2))
    yield sid(3), webpy(pickle.dumps(session(3, 3, "profile", "member",
                                             user=Storage(id=3, email="grace@example.org")), protocol=4))
    yield sid(4), webpy(pickle.dumps(session(4, 0, "index", "invited"), protocol=5))
    yield sid(5), webpy(pickle.dumps(session(5, 999, "index", "member"), protocol=3))   # no user 999
    # A hostile pickle: cos\nsystem\n(S'...'\ntR. would call os.system in pickle.loads.
    yield sid(6), webpy(b"cos\nsystem\n(S'echo this never runs'\ntR.")
    yield sid(7), webpy(py2_protocol0({"uid": 2, "username": "alan", "current_page": "cart", "user_role": "member"}))


def psql(script, stdin_data=None):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-c", script] if stdin_data is None
                          else ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-f", "-"],
                          input=stdin_data, text=True, check=True, capture_output=True).stdout


def copy_script(table_sql, rows_):
    buf = io.StringIO()
    buf.write("\\copy %s FROM STDIN WITH (FORMAT csv)\n" % table_sql)
    for key, data in rows_:
        buf.write('"%s","%s"\n' % (key, data.replace('"', '""')))
    buf.write("\\.\n")
    return buf.getvalue()


def write():
    psql(None, copy_script("sessions (session_id, data)", rows()))
    print("    wrote 7 sessions: Python 2 protocol 0, Python 3 protocols 2-5, one hostile, one unknown uid")


def navigate():
    d = session(3, 3, "checkout", "member", user=Storage(id=3, email="grace@example.org"))
    script = ("CREATE TEMP TABLE incoming (session_id text, data text);\n"
              + copy_script("incoming (session_id, data)", [(sid(3), webpy(pickle.dumps(d, protocol=4)))])
              + "UPDATE sessions s SET data = i.data, atime = clock_timestamp() FROM incoming i"
              + " WHERE s.session_id = i.session_id;\n")
    psql(None, script)
    for _ in range(200):
        # atime was set just before the commit; synced_at is the daemon's write time.
        lag = psql("SELECT round(extract(epoch FROM f.synced_at - s.atime::timestamptz) * 1000, 1) "
                   "FROM session_fields f JOIN sessions s USING (session_id) WHERE f.current_page = 'checkout'").strip()
        if lag:
            print("    current_page = 'checkout' visible in session_fields %s ms after the web app's commit" % lag)
            return
        time.sleep(0.05)
    sys.exit("navigate: the change did not arrive in session_fields")


if __name__ == "__main__":
    {"write": write, "navigate": navigate}[sys.argv[1]]()
