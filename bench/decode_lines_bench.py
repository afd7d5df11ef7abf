#!/usr/bin/env python3
"""`session-syncd decode --lines` vs CPython's pickle + json, process against process.

    python3 bench/decode_lines_bench.py <session-syncd binary> [--sessions N] [--repeat K] [--rounds R] [--markdown]

The corpus is bench/codec_bench.py's (web.py sessions, 100 B - 10 KB pickled), pickled at
protocols 0, 2, 4 and 5, one base64 value per line (base64.b64encode, no line breaks),
the whole corpus repeated K times in one file. Each round runs, on that file, with
stdout to /dev/null:

  ours:    session-syncd decode --lines
  CPython: for line in stdin: print(json.dumps(pickle.loads(base64.b64decode(line)), ...))

(`default=str` for the values json cannot write: datetime, Decimal, UUID, set; compact
separators and ensure_ascii=False, so its output is about the size of ours.) Wall time of
each process, start-up included; rounds alternate the two; each figure is the median of
its rounds. A benchmark, not a test: it asserts nothing about the figures.
"""
import argparse
import base64
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codec_bench import PROTOCOLS, corpus  # noqa: E402

LIB = os.path.join(HERE, "..", "scripts", "lib")

# web.utils (for Storage) from scripts/lib, as codec_bench.py imports it.
CPYTHON = r"""
import base64, json, pickle, sys
sys.path.insert(0, sys.argv[1])
loads, b64decode, dumps = pickle.loads, base64.b64decode, json.dumps
out = sys.stdout.write
for line in sys.stdin.buffer:
    out(dumps(loads(b64decode(line)), default=str, separators=(",", ":"), ensure_ascii=False))
    out("\n")
"""


def timed(cmd, path):
    with open(path, "rb") as f, open(os.devnull, "wb") as null:
        start = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=null, check=True)
        return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("session_syncd")
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=10, help="copies of the corpus in each input file")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per protocol (median counts)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    values = corpus(args.sessions)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for proto in PROTOCOLS:
            path = os.path.join(tmp, "lines-p%d.txt" % proto)
            block = b"".join(base64.b64encode(pickle.dumps(v, proto)) + b"\n" for v in values)
            with open(path, "wb") as f:
                f.write(block * args.repeat)
            n = args.sessions * args.repeat
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(timed([args.session_syncd, "decode", "--lines"], path))
                theirs.append(timed([sys.executable, "-c", CPYTHON, LIB], path))
            us, cp = n / statistics.median(ours), n / statistics.median(theirs)
            rows.append((proto, n, us, cp))
    header = ("protocol", "sessions per run", "decode --lines sessions/s", "CPython pickle+json sessions/s", "ratio")
    lines = [(str(p), str(n), "%.0f" % us, "%.0f" % cp, "%.2f\u00d7" % (us / cp)) for p, n, us, cp in rows]
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
    mean_us = sum(r[2] for r in rows) / len(rows)
    mean_cp = sum(r[3] for r in rows) / len(rows)
    print("decode-lines: session-syncd decode --lines %.2f\u00d7 CPython's pickle.loads + json.dumps "
          "(mean throughput of protocols 0, 2, 4, 5; goal \u2265 5\u00d7)" % (mean_us / mean_cp))


if __name__ == "__main__":
    main()
