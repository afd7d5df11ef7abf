#!/usr/bin/env python3
"""Decode throughput: PickleCodec vs CPython's C pickle, on the same web.py session corpus.

    python3 bench/codec_bench.py <path to bench-codec> [--sessions N] [--markdown]

Generates realistic web.py session values (100 B to 10 KB pickled; the fresh
anonymous session web.py creates, up to logged-in users with carts, drafts and
history), pickles each at protocols 0, 2, 4 and 5 and stores it as web.py does
(base64.encodebytes). Then, single-threaded, on the same machine and corpus:

  CPython: pickle.loads(base64.decodebytes(value))  (the C _pickle module)
  ours:    PickleDecoder().decode(base64Text:)      (bench-codec, release build)

Both take the best of 5 runs, each decoding the whole corpus as often as fits
in 0.5 s. Allocations per session are counted in bench-codec by interposing
malloc. Prints one table row per protocol.
"""
import argparse
import base64
import datetime
import decimal
import hashlib
import math
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts", "lib"))
from web.utils import Storage  # noqa: E402  (pickles as web.py's Storage does)

PROTOCOLS = [0, 2, 4, 5]
PAGES = ["index", "dashboard", "settings", "cart", "checkout", "orders", "profile", "search", "help"]
ROLES = ["invited", "member", "editor", "admin"]
WORDS = ("alpha beta gamma delta order invoice shipping address street city paris berlin "
         "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber stra\u00dfe \u20ac price total discount").split()


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def when(rng):
    return datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=rng.randrange(0, 365 * 86400),
                                                              microseconds=rng.randrange(0, 10 ** 6))


def session(rng, target):
    """A session dict whose protocol-2 pickle is about `target` bytes."""
    s = {"uid": 0, "username": "", "current_page": rng.choice(PAGES), "user_role": "invited"}
    if target < 160:
        return s
    s.update(ip="203.0.%d.%d" % (rng.randrange(256), rng.randrange(256)),
             session_id=hashlib.sha1(str(rng.random()).encode()).hexdigest())
    if target < 300:
        return s
    uid = rng.randrange(1, 10 ** 6)
    s.update(uid=uid, username="user%d" % uid, user_role=rng.choice(ROLES), login_time=when(rng),
             csrf_token=uuid.UUID(int=rng.getrandbits(128)).hex)
    extras = [
        lambda: ("user", Storage(id=uid, email="user%d@example.org" % uid, name=text(rng, 2),
                                 roles=rng.sample(ROLES, 2), created=when(rng).replace(tzinfo=datetime.timezone.utc))),
        lambda: ("prefs", {"lang": rng.choice(["en", "fr", "de"]), "tz": "Europe/Paris", "theme": "dark",
                           "page_size": rng.choice([10, 25, 50]), "beta": rng.random() < 0.5}),
        lambda: ("cart", [{"sku": "SKU-%05d" % rng.randrange(10 ** 5), "qty": rng.randrange(1, 5),
                           "price": decimal.Decimal("%d.%02d" % (rng.randrange(1, 500), rng.randrange(100))),
                           "title": text(rng, 4)} for _ in range(rng.randrange(1, 6))]),
        lambda: ("flash", [text(rng, rng.randrange(3, 12)) for _ in range(rng.randrange(1, 4))]),
        lambda: ("recently_viewed", [rng.randrange(10 ** 6) for _ in range(rng.randrange(5, 40))]),
        lambda: ("search_history", [(text(rng, 2), when(rng)) for _ in range(rng.randrange(2, 10))]),
        lambda: ("visitor_id", uuid.UUID(int=rng.getrandbits(128))),
        lambda: ("tags", {rng.choice(WORDS) for _ in range(rng.randrange(1, 8))}),
        lambda: ("ab_tests", {"exp%d" % i: rng.choice("AB") for i in range(rng.randrange(1, 6))}),
        lambda: ("last_seen", when(rng).replace(tzinfo=datetime.timezone(datetime.timedelta(hours=1)))),
        lambda: ("balance", rng.randrange(-10 ** 4, 10 ** 6) / 100.0),
    ]
    rng.shuffle(extras)
    for make in extras:
        if len(pickle.dumps(s, 2)) >= target:
            return s
        k, v = make()
        s[k] = v
    n = 0
    while len(pickle.dumps(s, 2)) < target:
        s["form_draft_%d" % n] = text(rng, max(4, (target - len(pickle.dumps(s, 2))) // 8))
        n += 1
    return s


def corpus(count, seed=20240301):
    rng = random.Random(seed)
    # Sizes log-uniform between 100 B and 10 KB.
    return [session(rng, int(math.exp(rng.uniform(math.log(100), math.log(10000))))) for _ in range(count)]


def time_cpython(records):
    best = 0.0
    loads, decodebytes = pickle.loads, base64.decodebytes
    for _ in range(5):
        rounds = 0
        start = time.perf_counter()
        while True:
            for r in records:
                loads(decodebytes(r))
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.5:
                break
        best = max(best, rounds * len(records) / elapsed)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_codec")
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per protocol (best counts)")
    args = ap.parse_args()
    values = corpus(args.sessions)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        records = {}
        for proto in PROTOCOLS:
            records[proto] = [base64.encodebytes(pickle.dumps(v, proto)) for v in values]
            files[proto] = os.path.join(tmp, "corpus-p%d.bin" % proto)
            with open(files[proto], "wb") as f:
                for r in records[proto]:
                    f.write(r + b"\0")
        for proto in PROTOCOLS:
            # Rounds alternate the two decoders, so a busy moment on this shared machine
            # cannot favour one of them; each keeps its best round.
            us = cp = 0.0
            for _ in range(args.rounds):
                out = subprocess.run([args.bench_codec, files[proto]], check=True,
                                     capture_output=True, text=True).stdout
                path, *fields = out.split()
                o = dict(f.split("=", 1) for f in fields)
                if "error" in o:
                    sys.exit("bench-codec: %s: %s" % (files[proto], o["error"]))
                us = max(us, float(o["sessions_per_s"]))
                cp = max(cp, time_cpython(records[proto]))
            raw = [len(base64.decodebytes(r)) for r in records[proto]]
            rows.append((proto, len(raw), min(raw), sum(raw) // len(raw), max(raw), us, cp, o["allocs_per_session"]))

    header = ("protocol", "sessions", "pickle bytes min/avg/max", "PickleCodec sessions/s",
              "CPython pickle sessions/s", "ratio", "allocs/session (ours)")
    lines = []
    for proto, n, lo, avg, hi, us, cp, allocs in rows:
        allocs_s = allocs if allocs == "n/a" else "%.1f" % float(allocs)
        lines.append((str(proto), str(n), "%d / %d / %d" % (lo, avg, hi), "%.0f" % us, "%.0f" % cp,
                      "%.2f\u00d7" % (us / cp), allocs_s))
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for l in lines:
            print("| " + " | ".join(l) + " |")
    else:
        widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for l in lines:
            print("  ".join(c.ljust(w) for c, w in zip(l, widths)))
    total_us = sum(r[5] for r in rows) / len(rows)
    total_cp = sum(r[6] for r in rows) / len(rows)
    ratios = [r[5] / r[6] for r in rows]
    print("bench-codec: PickleCodec %.2f\u00d7 CPython's C pickle (mean throughput of protocols 0, 2, 4, 5; "
          "per protocol %.2f\u00d7 to %.2f\u00d7; goal \u2265 5\u00d7)" % (total_us / total_cp, min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
