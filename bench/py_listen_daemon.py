"""A plain Python LISTEN daemon, written for bench/run only: NOT part of session-syncd.

What a user might write instead of session-syncd: psycopg2, LISTEN on the channel the
session-syncd trigger notifies, pickle.loads (which executes whatever a pickle says: unsafe,
that is one reason session-syncd exists), and a batched upsert into its own table with a
foreign key to users. At start it syncs every session whose sha256 differs from its row
(cold start), prints "caught up" on stderr, then follows notifications in batches.

    python3 py_listen_daemon.py [--batch 1000] [--table py_fields] [--channel session_syncd]

Connection from the PG* environment. Stops on SIGTERM.
"""
import argparse
import base64
import hashlib
import os
import pickle
import select
import signal
import sys

import psycopg2
import psycopg2.extras

# The shared web.utils.Storage stand-in, so the pickles load without web.py installed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "lib"))
import web.utils  # noqa: E402,F401

UPSERT = """
INSERT INTO {t} AS t (session_id, data_hash, uid, current_page, user_role, synced_at)
SELECT v.k, v.h, u.id, v.page, v.role, now()
FROM (VALUES %s) AS v(k, h, uid, page, role) LEFT JOIN users u ON u.id = v.uid::int
ON CONFLICT (session_id) DO UPDATE SET data_hash = EXCLUDED.data_hash, uid = EXCLUDED.uid,
    current_page = EXCLUDED.current_page, user_role = EXCLUDED.user_role, synced_at = EXCLUDED.synced_at
"""


def decode(key, data):
    h = hashlib.sha256(data.encode()).digest()
    try:
        d = pickle.loads(base64.b64decode(data))  # executes the pickle: what session-syncd never does
        uid = d.get("uid") or None
        return (key, h, uid, d.get("current_page"), d.get("user_role"))
    except Exception:
        return (key, h, None, None, None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--table", default="py_fields")
    ap.add_argument("--channel", default="session_syncd")
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    upsert = UPSERT.format(t=a.table)

    listen = psycopg2.connect("")
    listen.autocommit = True
    listen.cursor().execute("LISTEN " + a.channel)
    db = psycopg2.connect("")
    db.cursor().execute("SET synchronous_commit TO off")
    db.commit()

    def write(rows):
        with db.cursor() as c:
            psycopg2.extras.execute_values(c, upsert, [decode(k, d) for k, d in rows], page_size=len(rows) or 1)
        db.commit()

    # Cold start: every session out of sync, read in one query, written in batches.
    scan = db.cursor()
    scan.execute(f"""SELECT s.session_id, s.data FROM sessions s LEFT JOIN {a.table} f USING (session_id)
                     WHERE f.data_hash IS DISTINCT FROM sha256(convert_to(s.data, 'UTF8'))""")
    pending = scan.fetchall()
    scan.close()
    db.commit()
    for i in range(0, len(pending), a.batch):
        write(pending[i:i + a.batch])
    del pending
    print("caught up", file=sys.stderr, flush=True)

    while not stop:
        try:
            ready = select.select([listen], [], [], 0.5)[0]
        except InterruptedError:
            continue
        if not ready:
            continue
        listen.poll()
        keys = set()
        while listen.notifies:
            keys.add(listen.notifies.pop().payload)
            if not listen.notifies and len(keys) < a.batch:
                listen.poll()
        keys = list(keys)
        for i in range(0, len(keys), a.batch):
            with db.cursor() as c:
                c.execute("SELECT session_id, data FROM sessions WHERE session_id = ANY(%s::bpchar[])", (keys[i:i + a.batch],))
                rows = c.fetchall()
            write(rows)


if __name__ == "__main__":
    main()
