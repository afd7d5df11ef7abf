#!/usr/bin/env python3
"""Differential test of PickleCodec against CPython (run by scripts/codec-differential).

    differential.py <path to codec-records> [--examples N]

Hypothesis generates web.py-like session values (a dict of str keys holding
None, bool, int (huge too), float (nan, inf), str (astral too), bytes, list,
tuple, dict, set, frozenset, datetime (naive, aware, fold), date, time,
timedelta, timezone, Decimal, UUID and web.utils.Storage). Each value is
pickled by CPython at protocols 0-5 and base64-encoded as web.py does
(base64.encodebytes), then sent to codec-records, which decodes it with
PickleDecoder and re-encodes it with PickleEncoder at protocols 0, 2, 3, 4, 5.
For every value and protocol:

  - our canonical JSON must equal the reference canonical JSON computed in
    Python (canonical() in Tests/PickleCodecTests/Fixtures/generate.py, shared
    with the decoder's golden corpus);
  - pickle.loads of each of our re-encodings must give a value equal to the
    original (type-exact; float bits; fold only where the protocol keeps it);
  - re-encoding at the protocol CPython used (2-5) must give CPython's bytes.

Any mismatch: Hypothesis shrinks it, the minimal example is printed and the
exit status is 1. Last line: "differential: N passed, M failed".
"""
import argparse
import base64
import datetime
import decimal
import importlib.util
import json
import math
import os
import pickle
import struct
import subprocess
import sys
import uuid

from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "PickleCodecTests", "Fixtures", "generate.py")

_spec = importlib.util.spec_from_file_location("codec_golden", GENERATOR)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)  # registers the web.utils stand-in; defines canonical()
Storage = golden.Storage
canonical = golden.canonical

PROTOCOLS_IN = [0, 1, 2, 3, 4, 5]
PROTOCOLS_OUT = [0, 2, 3, 4, 5]


class Codec:
    """codec-records as a coprocess: one value in, two lines out."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, text):
        self.proc.stdin.write(text + b"\0")
        self.proc.stdin.flush()
        first = self.proc.stdout.readline()
        second = self.proc.stdout.readline()
        if not second:
            raise RuntimeError("codec-records died (exit %s)" % self.proc.poll())
        return first.rstrip(b"\n").decode("utf-8"), json.loads(second)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# ---------------------------------------------------------------- values

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
keys = st.one_of(st.sampled_from(["uid", "username", "current_page", "user_role", "ip", "session_id",
                                  "cart", "flash", "user", "prefs", "login_time"]), text)
ints = st.one_of(st.integers(-300, 70000), st.integers(-(2 ** 64), 2 ** 64), st.integers(-(2 ** 3000), 2 ** 3000))
floats = st.floats(allow_nan=True, allow_infinity=True)
offsets = st.timedeltas(min_value=-datetime.timedelta(hours=23, minutes=59), max_value=datetime.timedelta(hours=23, minutes=59))
timezones = st.one_of(st.just(datetime.timezone.utc), st.builds(datetime.timezone, offsets),
                      # Names are literals, as in application code: equal names are one str object,
                      # which is how the encoder treats them (the value model keeps no identity for them).
                      st.builds(datetime.timezone, offsets, st.sampled_from(["EST", "IST", "CET", "\u00e9t\u00e9", "UTC-3"])))
folds = st.integers(0, 1)
naive_datetimes = st.builds(lambda d, f: d.replace(fold=f), st.datetimes(), folds)
aware_datetimes = st.builds(lambda d, tz, f: d.replace(tzinfo=tz, fold=f), st.datetimes(), timezones, folds)
times = st.builds(lambda t, tz, f: t.replace(tzinfo=tz, fold=f), st.times(), st.none() | timezones, folds)
decimals = st.decimals(allow_nan=True, allow_infinity=True)
hashable = st.one_of(st.none(), st.booleans(), ints, floats, text, st.binary(max_size=24), st.dates(),
                     naive_datetimes, st.timedeltas(), st.uuids(),
                     decimals.filter(lambda d: not d.is_snan()))
scalars = st.one_of(hashable, aware_datetimes, times, timezones, decimals, st.binary(max_size=300),
                    st.text(max_size=300).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))


def containers(children):
    return st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.dictionaries(keys, children, max_size=6),
        st.dictionaries(keys, children, max_size=6).map(Storage),
        st.dictionaries(hashable, children, max_size=4),
        st.sets(hashable, max_size=6),
        st.frozensets(hashable, max_size=6),
    )


values = st.recursive(scalars, containers, max_leaves=25)
sessions = st.dictionaries(keys, values, max_size=10)


# ---------------------------------------------------------------- comparison

def same(a, b, fold, seen=None):
    """Type-exact equality; float by bits; Decimal by str; dicts and lists in order."""
    if seen is None:
        seen = set()
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        # Text protocols write every NaN as "nan": payload and sign are CPython's to lose too.
        # (Binary protocols are held to CPython's exact bytes separately.)
        return (a != a and b != b) or struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, (datetime.datetime, datetime.time)):
        return (a.replace(tzinfo=None, fold=0) == b.replace(tzinfo=None, fold=0)
                and (not fold or a.fold == b.fold) and same(a.tzinfo, b.tzinfo, fold, seen))
    if isinstance(a, datetime.timezone):
        return a.utcoffset(None) == b.utcoffset(None) and a.__getinitargs__()[1:] == b.__getinitargs__()[1:]
    if isinstance(a, (list, tuple, dict, set, frozenset)):
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        if len(a) != len(b):
            return False
        if isinstance(a, dict):
            return all(same(ka, kb, fold, seen) and same(a[ka], b[kb], fold, seen) for ka, kb in zip(a, b))
        if isinstance(a, (set, frozenset)):
            rest = list(b)
            for x in a:
                match = next((i for i, y in enumerate(rest) if same(x, y, fold, seen)), None)
                if match is None:
                    return False
                rest.pop(match)
            return True
        return all(same(x, y, fold, seen) for x, y in zip(a, b))
    return a == b


class Stats:
    passed = 0
    failed = 0


def check(codec, value):
    """All checks for one value; raises AssertionError with a description on the first mismatch."""
    for proto in PROTOCOLS_IN:
        try:
            data = pickle.dumps(value, protocol=proto)
        except RecursionError:
            # CPython cannot write this value in this protocol (a dict subclass that contains
            # itself, below protocol 2): nothing to compare.
            continue
        doc_json, encoded = codec.run(base64.encodebytes(data))
        want = canonical(value, proto)
        assert doc_json == want, "protocol %d: canonical JSON differs\n  ours:   %s\n  Python: %s" % (proto, doc_json, want)
        for out in PROTOCOLS_OUT:
            b64 = encoded.get(str(out))
            assert b64 is not None, "protocol %d: re-encoding at %d failed: %s" % (proto, out, encoded.get("error%d" % out))
            ours = base64.b64decode(b64)
            back = pickle.loads(ours, encoding="latin1") if out == 0 else pickle.loads(ours)
            assert same(value, back, fold=out >= 4 and proto >= 4), \
                "protocol %d re-encoded at %d loads to a different value: %r" % (proto, out, back)
            if out == proto and out >= 2:
                assert ours == data, "protocol %d: re-encoding differs from CPython's bytes\n  ours:   %s\n  CPython: %s" % (
                    proto, ours.hex(), data.hex())
        Stats.passed += 1


def fixed_examples():
    shared = [1, "two"]
    cyc = []
    cyc.append(cyc)
    selfish = Storage(name="loop")
    selfish["self"] = selfish
    return [
        {"shared": shared, "again": shared, "tuple": (shared, shared)},
        {"cycle": cyc, "storage": selfish},
        {"batch_list": list(range(1001)), "batch_dict": {str(i): i for i in range(1000)}, "batch_set": set(range(1000))},
        {"frames": ["x" * 40000, b"y" * 70000, "z" * 30000, list(range(20000))]},
        {"uid": 0, "username": "", "current_page": "index", "user_role": "invited"},
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("codec")
    ap.add_argument("--examples", type=int, default=int(os.environ.get("DIFFERENTIAL_EXAMPLES", "2000")))
    args = ap.parse_args()
    codec = Codec(args.codec)

    @settings(max_examples=args.examples, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
    @given(sessions)
    def differential(value):
        check(codec, value)

    for value in fixed_examples():
        differential = example(value)(differential)

    try:
        differential()
    except Exception as e:  # Hypothesis has printed the minimal falsifying example
        Stats.failed += 1
        failures = e.exceptions if isinstance(e, BaseExceptionGroup) else [e]
        for f in failures:
            notes = "\n".join(getattr(f, "__notes__", []))
            print("FAILED: %s: %s\n%s" % (type(f).__name__, f, notes), file=sys.stderr)
    finally:
        codec.close()
    print("differential: %d passed, %d failed" % (Stats.passed, Stats.failed))
    return 1 if Stats.failed else 0


if __name__ == "__main__":
    sys.exit(main())
