"""Data for bench/daemon-lag (stdlib only): web.py-format sessions as COPY text.

    python3 daemon_lag_data.py sessions N    # N rows: session_id <TAB> data
    python3 daemon_lag_data.py payloads N    # N rows: n <TAB> data (update values)
    python3 daemon_lag_data.py reference     # stdin: session_id <TAB> data (COPY text);
                                             # stdout: session_id <TAB> uid <TAB> current_page <TAB> user_role
                                             # (what a Python script with pickle.loads would do; the alternative)

Sessions look like a real web.py app's: a web.utils.Storage with ip, session_id,
uid (0 = anonymous), current_page, user_role, a login datetime and a small cart;
base64.encodebytes(pickle.dumps(..., protocol=2)), about 0.5 KB each.
"""
import base64
import binascii
import datetime
import hashlib
import os
import pickle
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "lib"))
from web.utils import Storage  # noqa: E402  (the shared stand-in; pickles as web.py's Storage does)

PAGES = ["/", "/home", "/search", "/cart", "/checkout", "/account", "/orders", "/help"]
ROLES = ["member", "admin", "guest", "editor"]


def sid(n):
    return hashlib.md5(str(n).encode()).hexdigest()


def session(rng, n):
    uid = rng.choice([0, 0] + list(range(1, 1001)))
    return Storage(
        ip="10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        session_id=sid(n),
        uid=uid,
        current_page=rng.choice(PAGES) + "?p=%d" % rng.randrange(1000),
        user_role=rng.choice(ROLES) if uid else "anonymous",
        login_time=datetime.datetime(2026, 11, 27, rng.randrange(24), rng.randrange(60), rng.randrange(60)),
        cart=[Storage(sku="SKU-%05d" % rng.randrange(100000), qty=rng.randrange(1, 5)) for _ in range(rng.randrange(4))],
        flash=None,
    )


def copy_text(data):
    # base64 text has newlines: COPY text format escapes them.
    return data.replace("\\", "\\\\").replace("\n", "\\n")


def encode(d):
    return base64.encodebytes(pickle.dumps(d, protocol=2)).decode()


def main():
    kind = sys.argv[1]
    out = sys.stdout
    if kind == "sessions":
        rng = random.Random(1)
        for n in range(1, int(sys.argv[2]) + 1):
            out.write("%s\t%s\n" % (sid(n), copy_text(encode(session(rng, n)))))
    elif kind == "payloads":
        rng = random.Random(2)
        for n in range(int(sys.argv[2])):
            out.write("%d\t%s\n" % (n, copy_text(encode(session(rng, n)))))
    elif kind == "reference":
        for line in sys.stdin:
            key, data = line.rstrip("\n").split("\t", 1)
            raw = data.replace("\\n", "\n").replace("\\\\", "\\")
            try:
                d = pickle.loads(base64.decodebytes(raw.encode()))  # what the alternative does: unsafe
                uid = d.get("uid") or "\\N"
                out.write("%s\t%s\t%s\t%s\n" % (key.strip(), uid, d.get("current_page", "\\N"), d.get("user_role", "\\N")))
            except Exception:
                out.write("%s\t\\N\t\\N\t\\N\n" % key.strip())
    else:
        sys.exit("usage: daemon_lag_data.py sessions|payloads N | reference")


if __name__ == "__main__":
    main()
