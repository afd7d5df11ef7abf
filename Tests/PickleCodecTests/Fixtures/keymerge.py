#!/usr/bin/env python3
"""Generates keymerge.jsonl: hand-made pickles with repeated dict keys and set elements,
as CPython never writes them, with what CPython's pickle.loads makes of them.

Each line: {"name", "b64" (the pickle, base64 on one line), "desc"}; desc is `desc(pickle.loads(pickle))`, a
type-tagged text that DecoderKeyMergeTests rebuilds from the decoded document. A dict
lists its pairs in order (Python keeps the first key's position and the last value);
a set lists its elements sorted (Python keeps the first of equal elements: `{1, True}`
is `{1}`), so the kept element's type shows which one was kept.

Keys of every kind the decoder merges: ints, bools, integral and other floats, big ints
equal to floats, None, str (also protocol 0's ASCII `S'...'`, which Python 3 loads as
str), bytes (as `_codecs.encode(..., 'latin1')`, as Python 3 writes bytes at protocol 0),
strs of one length with the same first, middle and last bytes, and NaN (never equal).

Run: python3 Tests/PickleCodecTests/Fixtures/keymerge.py
"""
import base64
import json
import os
import pickle
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def codecs_bytes(text):
    return b"c_codecs\nencode\n(V" + text + b"\nVlatin1\ntR"


# Pickle fragments pushing one key each; equal keys are on one line.
KEY_CLASSES = [
    [b"I1\n", b"I01\n", b"F1.0\n", b"L1L\n"],
    [b"I0\n", b"I00\n", b"F0.0\n", b"F-0.0\n"],
    [b"I2\n", b"F2.0\n", b"L2L\n"],
    [b"I-1\n", b"F-1.0\n"],
    [b"F1.5\n"],
    [b"F-2.5\n"],
    [b"L18446744073709551616L\n", b"F1.8446744073709552e+19\n"],  # 2**64
    [b"L9223372036854775808L\n", b"F9.223372036854776e+18\n"],  # 2**63
    [b"I-9223372036854775808\n", b"F-9.223372036854776e+18\n"],  # -2**63
    [b"L-9223372036854775809L\n"],  # no double is equal
    [b"L18446744073709551617L\n"],  # 2**64 + 1: no double is equal
    [b"N"],
    [b"Vabc\n", b"S'abc'\n"],
    [b"Va\n", b"S'a'\n"],
    [b"Vb\n"],
    [b"V\n", b"S''\n"],
    [b"Vaxbya\n"],
    [b"Vazbwa\n"],  # same length, first, middle and last bytes as "axbya"
    [b"Vazbya\n"],
    [b"V\\u00e9\n"],
    [b"Ve\\u0301\n"],  # not equal to the precomposed one
    [b"Vsession_id\n"],
    [b"Vsession_ip\n"],
    [codecs_bytes(b"a")],
    [codecs_bytes(b"abc")],
    [codecs_bytes(b"")],
    [b"Fnan\n"],
    [b"F1e+300\n"],
    [b"Finf\n"],
]
KEYS = [k for c in KEY_CLASSES for k in c]


def fillers(prefix, n):
    """n more distinct keys: strs and ints, so containers cross the scan limit (32)."""
    out = []
    for i in range(n):
        out.append(b"V%s%d\n" % (prefix.encode(), i) if i % 2 == 0 else b"I%d\n" % (1000 + i))
    return out


class Writer:
    """Builds a protocol 0 pickle; `value()` pushes a fresh int, so the kept value shows."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.out = bytearray()
        self.counter = 0
        self.memo = 0

    def value(self):
        self.counter += 1
        self.out += b"I%d\n" % (100000 + self.counter)

    def key(self, pool):
        self.out += self.rng.choice(pool)

    def put(self):
        self.out += b"p%d\n" % self.memo
        self.memo += 1

    def empty_dict(self):
        self.out += b"(d"
        self.put()

    def setitem(self, pool):
        self.key(pool)
        self.value()
        self.out += b"s"

    def setitems(self, pool, n):
        self.out += b"("
        for _ in range(n):
            self.key(pool)
            self.value()
        self.out += b"u"

    def dict_opcode(self, pool, n):
        self.out += b"("
        for _ in range(n):
            self.key(pool)
            self.value()
        self.out += b"d"

    def nested(self, pool, depth):
        """A key whose value is a dict filled by SETITEMs (and maybe deeper dicts) first."""
        self.key(pool)
        self.empty_dict()
        for _ in range(self.rng.randrange(1, 6)):
            if depth > 0 and self.rng.random() < 0.3:
                self.nested(pool, depth - 1)
            else:
                self.setitem(pool)
        self.out += b"s"

    def fill(self, pool, ops, depth=2):
        for _ in range(ops):
            r = self.rng.random()
            if r < 0.6:
                self.setitem(pool)
            elif r < 0.75:
                self.nested(pool, depth)
            elif r < 0.9:
                self.setitems(pool, self.rng.randrange(1, 12))
            else:
                self.key(pool)
                self.dict_opcode(pool, self.rng.randrange(0, 8))
                self.out += b"s"

    def done(self):
        return bytes(self.out) + b"."


def set_pickle(batches, frozen=False):
    """EMPTY_SET and one ADDITEMS per batch (protocol 4 opcodes), or one FROZENSET."""
    if frozen:
        return b"(" + b"".join(batches[0]) + b"\x91."
    out = b"\x8f"
    for b in batches:
        out += b"(" + b"".join(b) + b"\x90"
    return out + b"."


def reduce_set_pickle(items, frozen=False):
    """`set([...])` as protocols 0-2 write it (REDUCE of builtins.set on a list)."""
    name = b"frozenset" if frozen else b"set"
    return b"c__builtin__\n" + name + b"\n((l" + b"".join(i + b"a" for i in items) + b"tR."


def desc(x):
    t = type(x)
    if x is None:
        return "None"
    if t is bool:
        return "bool:" + repr(x)
    if t is int:
        return "int:" + (str(x) if -2**63 <= x < 2**63 else "0x" + pickle.encode_long(x).hex())
    if t is float:
        return "float:" + struct.pack(">d", x).hex()
    if t is str:
        return "str:" + x.encode("utf-8").hex()
    if t is bytes:
        return "bytes:" + x.hex()
    if t is dict:
        return "{" + ", ".join(desc(k) + ": " + desc(v) for k, v in x.items()) + "}"
    if t is set:
        return "set{" + ", ".join(sorted(desc(e) for e in x)) + "}"
    if t is frozenset:
        return "frozenset{" + ", ".join(sorted(desc(e) for e in x)) + "}"
    raise TypeError(t)


def cases():
    # One SETITEM per pair (protocol 0), keys of every kind, many repeats.
    for seed in range(4):
        w = Writer(seed)
        w.empty_dict()
        for _ in range(120):
            w.setitem(KEYS)
        yield "setitem-each-kind-%d" % seed, w.done()

    # Nested dicts filled between two SETITEMs of their parent (its region moves).
    for seed in range(4):
        w = Writer(100 + seed)
        w.empty_dict()
        w.fill(KEYS, 80)
        yield "nested-between-%d" % seed, w.done()

    # Dicts crossing the scan limit, by SETITEM, SETITEMS, DICT and nesting.
    for seed in range(4):
        w = Writer(200 + seed)
        pool = KEYS + fillers("k", 60)
        w.empty_dict()
        w.fill(pool, 100)
        yield "crossing-limit-%d" % seed, w.done()

    # 20 keys; 13 repeats in one SETITEMS (past the limit, all merged: still 20 keys);
    # one new key by SETITEM (scanned); then SETITEMS repeating it, past the limit again.
    w = Writer(300)
    pool = fillers("s", 20)
    w.empty_dict()
    for k in pool:
        w.out += k
        w.value()
        w.out += b"s"
    w.out += b"("
    for k in pool[:13]:
        w.out += k
        w.value()
    w.out += b"u"
    w.out += b"Vnew\n"
    w.value()
    w.out += b"s("
    for k in [b"Vnew\n"] + pool[:11]:
        w.out += k
        w.value()
    w.out += b"u"
    yield "hashed-after-scanned", w.done()

    # The top-level dict is a DICT opcode with repeats, small and large.
    for n in (5, 40, 120):
        w = Writer(400 + n)
        w.dict_opcode(KEYS + fillers("d", 40), n)
        yield "dict-opcode-%d" % n, w.done()

    # Sets: ADDITEMS batches and FROZENSET, small and past the limit.
    rng = random.Random(500)
    yield "set-equal-numbers", set_pickle([[b"I1\n", b"I01\n", b"F1.0\n", b"I2\n", b"F2.0\n", b"I00\n", b"F-0.0\n"]])
    yield "set-true-first", set_pickle([[b"I01\n", b"I1\n", b"F1.0\n"]])
    yield "set-str-bytes", set_pickle([[b"Va\n", codecs_bytes(b"a"), b"S'a'\n", codecs_bytes(b"a"), b"Va\n"]])
    yield "set-two-batches", set_pickle([[b"I1\n", b"Va\n"], [b"F1.0\n", b"Va\n", b"Vb\n"], [b"I01\n"]])
    yield "set-nan", set_pickle([[b"Fnan\n", b"Fnan\n", b"F1.0\n"]])
    for seed in range(4):
        pool = KEYS + fillers("e", 60)
        batches = [[rng.choice(pool) for _ in range(rng.randrange(1, 40))] for _ in range(rng.randrange(1, 5))]
        yield "set-random-%d" % seed, set_pickle(batches)
        yield "frozenset-random-%d" % seed, set_pickle(batches[:1], frozen=True)
        yield "reduce-set-random-%d" % seed, reduce_set_pickle(batches[0])
        yield "reduce-frozenset-random-%d" % seed, reduce_set_pickle(batches[0], frozen=True)
    yield "frozenset-equal-numbers", set_pickle([[b"F1.0\n", b"I1\n", b"I01\n", b"I2\n"]], frozen=True)
    yield "reduce-set-equal-numbers", reduce_set_pickle([b"I01\n", b"I1\n", b"F1.0\n", b"Va\n", b"S'a'\n"])


def main():
    with open(os.path.join(HERE, "keymerge.jsonl"), "w") as f:
        for name, data in cases():
            value = pickle.loads(data)
            f.write(json.dumps({"name": name, "b64": base64.b64encode(data).decode(), "desc": desc(value)}) + "\n")


if __name__ == "__main__":
    main()
