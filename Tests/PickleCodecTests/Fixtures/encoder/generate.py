#!/usr/bin/env python3
"""Generates the encoder's byte-identity corpus from CPython.

    .venv/bin/python Tests/PickleCodecTests/Fixtures/encoder/generate.py

For every case it writes, into cases.json:
  - "value": a JSON description of the Python value that the Swift test
    builds into a PickleDocument. Objects CPython memoizes carry an "id";
    a second reference to the same object is {"t": "ref", "id": n}, so
    object identity (what decides BINGET vs a second copy) is preserved.
  - "pickles": pickle.dumps(value, protocol=N) for N = 2, 3, 4, 5, as hex,
    or for large cases {"len": n, "fnv1a64": "..."} (FNV-1a 64 of the bytes).
  - "p0": where given, the Python 2 cPickle protocol 0 bytes (hand-written
    below from cPickle's rules; there is no Python 2 here to run).

Python 3.11 is required (its pickler is the reference).
"""
import datetime
import decimal
import json
import os
import pickle
import struct
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "scripts", "lib"))
import web.utils  # noqa: E402  (the stand-in Storage)

assert sys.version_info[:2] == (3, 11), "generate with CPython 3.11"

UTC = datetime.timezone.utc
LARGE = 4000  # pickles bigger than this are stored as length + hash


class Py2Str(bytes):
    """A Python 2 str (only for protocol 0 cases)."""


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def td_json(td):
    return {"days": td.days, "seconds": td.seconds, "us": td.microseconds}


def describe(v, memo, keep):
    if v is None:
        return {"t": "none"}
    if v is True or v is False:
        return {"t": "bool", "v": v}
    if type(v) is int:
        return v if -2 ** 53 < v < 2 ** 53 else {"t": "int", "v": str(v)}
    if type(v) is float:
        return {"t": "float", "bits": struct.pack(">d", v).hex()}
    if id(v) in memo:
        return {"t": "ref", "id": memo[id(v)]}
    nid = len(memo)
    memo[id(v)] = nid
    keep.append(v)
    d = {"id": nid}
    if type(v) is Py2Str:
        d.update(t="py2str", hex=bytes(v).hex())
    elif type(v) is str and len(v) > 1000 and v == v[0] * len(v):
        d.update(t="str", v=v[0], repeat=len(v))
    elif type(v) is str:
        d.update(t="str", v=v)
    elif type(v) is bytes and len(v) > 1000 and v == v[:1] * len(v):
        d.update(t="bytes", hex=v[:1].hex(), repeat=len(v))
    elif type(v) is bytes:
        d.update(t="bytes", hex=v.hex())
    elif type(v) is bytearray:
        d.update(t="bytearray", hex=bytes(v).hex())
    elif type(v) in (list, tuple, set, frozenset):
        d.update(t=type(v).__name__, items=[describe(x, memo, keep) for x in v])
    elif isinstance(v, dict):
        d.update(t="dict", items=[[describe(k, memo, keep), describe(x, memo, keep)] for k, x in v.items()])
        if type(v) is not dict:
            d["subclass"] = type(v).__module__ + "." + type(v).__qualname__
    elif type(v) is datetime.datetime:
        d.update(t="datetime", y=v.year, mo=v.month, d=v.day, h=v.hour, mi=v.minute, s=v.second,
                 us=v.microsecond, fold=v.fold,
                 tz=describe(v.tzinfo, memo, keep) if v.tzinfo is not None else None)
    elif type(v) is datetime.date:
        d.update(t="date", y=v.year, mo=v.month, d=v.day)
    elif type(v) is datetime.time:
        d.update(t="time", h=v.hour, mi=v.minute, s=v.second, us=v.microsecond, fold=v.fold,
                 tz=describe(v.tzinfo, memo, keep) if v.tzinfo is not None else None)
    elif type(v) is datetime.timedelta:
        d.update(t="timedelta", **td_json(v))
    elif type(v) is datetime.timezone:
        args = v.__getinitargs__()
        d.update(t="timezone", offset=td_json(args[0]), name=args[1] if len(args) > 1 else None)
    elif type(v) is decimal.Decimal:
        d.update(t="decimal", v=str(v))
    elif type(v) is uuid.UUID:
        d.update(t="uuid", hex=v.hex)
    else:
        raise TypeError(type(v))
    return d


def Py3Bytes1():
    """b"y" built at run time (CPython's one-byte cache) next to the str chr(121)."""
    return bytes([121])


def fresh(s):
    """A str object of its own (not interned, not shared with a literal)."""
    return "".join(list(s)) if len(s) > 1 else s


def cases():
    c = {}
    sid = fresh("3f2a9c0d8b7e6f5a4c3b2a190817161514131211")
    login = datetime.datetime(2024, 3, 5, 14, 7, 9, 123456)
    c["session_py3"] = {
        fresh("ip"): fresh("203.0.113.9"), fresh("session_id"): sid, fresh("uid"): 4711,
        fresh("username"): fresh("j\u00e9r\u00f4me"), fresh("current_page"): fresh("index"),
        fresh("user_role"): fresh("admin"), fresh("login_at"): login,
        fresh("last_seen"): datetime.datetime(2024, 3, 5, 14, 9, 0, tzinfo=UTC),
        fresh("cart"): [{fresh("sku"): fresh("A-100"), fresh("qty"): 2, fresh("price"): decimal.Decimal("19.90")}],
        fresh("flags"): {fresh("beta"), fresh("newsletter")},
        fresh("csrf"): uuid.UUID("12345678-1234-5678-1234-567812345678"),
        fresh("prefs"): web.utils.Storage({fresh("lang"): fresh("fr"), fresh("tz"): fresh("Europe/Paris")}),
    }
    c["ints"] = [0, 1, 255, 256, 65535, 65536, -1, -256, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1,
                 2 ** 63 - 1, -(2 ** 63), 2 ** 63, 2 ** 64, -(2 ** 64), 10 ** 100, -(10 ** 100), 2 ** 2100, -(2 ** 2100)]
    c["floats"] = [0.0, -0.0, 1.5, 0.1, 1e16, 1e-7, 123456789.123, float("nan"), float("inf"), float("-inf"), 5e-324,
                   1.7976931348623157e308]
    c["strings"] = ["", "a", "\u00e9", "\u0100", "\U0001F600", fresh("ab"), fresh("x" * 300), fresh("it's \"q\"\n\\"),
                    fresh("\u20ac\u0000\r\n\t"), fresh("\U0001F600 astral \U00010348")]
    c["bytes"] = [b"", b"a", b"\x00", bytes(range(256)), b"\xff\xfe" * 200, bytearray(b""), bytearray(b"ab\x00\xff")]
    c["containers"] = {
        fresh("empty_list"): [], fresh("one"): [1], fresh("t0"): (), fresh("t1"): (1,), fresh("t2"): (1, 2),
        fresh("t3"): (1, 2, 3), fresh("t4"): (1, 2, 3, 4), fresh("nested"): {fresh("k"): [(), [], {}]},
        fresh("s0"): set(), fresh("s1"): {7}, fresh("f0"): frozenset(), fresh("f1"): frozenset([7]),
        fresh("f3"): frozenset([1, 2, 3]), fresh("intkeys"): {1: None, 2: True, (1, fresh("x")): False},
    }
    shared_list = [1, 2]
    shared_str = fresh("shared value")
    shared_dt = datetime.datetime(2000, 1, 1)
    # One-character str: chr() returns CPython's cached singleton, as pickle.loads does;
    # a one-character literal in source code may be another (interned) object.
    c["sharing"] = [shared_list, shared_list, shared_str, shared_str, shared_dt, shared_dt,
                    {"a": "a"}, [fresh("one"), fresh("one")], [b"x", chr(120), b"x"], [chr(0xe9), b"\xe9", Py3Bytes1()]]
    rec = []
    rec.append(rec)
    d = {}
    d[fresh("self")] = d
    lt = []
    tt = (lt, 1)
    lt.append(tt)
    big_t = []
    big_tt = (big_t, 1, 2, 3, 4)
    big_t.append(big_tt)
    c["recursion"] = [rec, d, tt, big_tt]
    est = datetime.timezone(datetime.timedelta(hours=-5), fresh("EST"))
    ist = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    c["datetimes"] = [
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6), datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
        datetime.datetime(2024, 11, 3, 1, 30, fold=1), datetime.datetime(2024, 6, 1, 12, tzinfo=UTC),
        datetime.datetime(2024, 6, 1, 12, tzinfo=UTC), datetime.datetime(2024, 6, 1, 12, tzinfo=est),
        datetime.datetime(2024, 6, 1, 12, tzinfo=est), datetime.datetime(2024, 6, 1, 12, tzinfo=ist, fold=1),
        datetime.date(2024, 2, 29), datetime.date(1, 1, 1), datetime.time(), datetime.time(23, 59, 59, 999999, fold=1),
        datetime.time(8, 0, tzinfo=ist), datetime.timedelta(-1), datetime.timedelta(days=3, seconds=4, microseconds=5),
        datetime.timedelta(days=-999999999), UTC, est, datetime.timezone(datetime.timedelta(minutes=-90)),
    ]
    c["decimals"] = [decimal.Decimal(x) for x in ["1.10", "-0", "1E+3", "NaN", "sNaN", "-Infinity", "1", "0.000001",
                                                    "123456789012345678901234567890.123456789"]]
    c["uuids"] = [uuid.UUID(int=0), uuid.UUID(int=1), uuid.UUID(int=2 ** 31), uuid.UUID(int=2 ** 128 - 1),
                  uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")]
    c["storage"] = [web.utils.Storage(), web.utils.Storage(a=1), web.utils.Storage(a=1, b=[2], c=web.utils.Storage(d=3))]
    c["batch_list_1000"] = list(range(1000))
    c["batch_list_1001"] = list(range(1001))
    c["batch_list_2001"] = [i * 7 for i in range(2001)]
    c["batch_dict_1000"] = {i: i for i in range(1000)}
    c["batch_dict_1001"] = {i: -i for i in range(1001)}
    c["batch_set_1000"] = set(range(1000))
    c["batch_set_1001"] = set(range(1001))
    c["batch_frozenset_1500"] = frozenset(range(1500))
    c["batch_storage_1000"] = web.utils.Storage({i: i for i in range(1000)})
    c["batch_storage_1001"] = web.utils.Storage({i: i for i in range(1001)})
    c["memo_over_256"] = [fresh("s%04d" % i) for i in range(300)]
    c["frames_many_strings"] = [fresh(chr(0x41 + i % 26 + (i // 26) * 0x100) * (1500 + i)) for i in range(80)]
    c["frames_big_str"] = [fresh("x" * 70000), 1, fresh("y" * 3)]
    c["frames_big_bytes"] = {fresh("blob"): b"z" * 70000, fresh("after"): [1, 2]}
    c["frames_exact_target"] = [b"q" * 65536, b"r" * 65535]
    c["top_int"] = 1
    c["top_none"] = None
    return c


# Python 2 cPickle protocol 0 bytes, written by hand from cPickle's rules
# (PUT ids from 1; PUT only for objects held twice; str/unicode shorter than
# 2 characters never memoized; floats as %.17g; ints I, longs L...L).
def p0_cases():
    c = {}
    c["p0_session"] = ({Py2Str(b"uid"): 5, Py2Str(b"user_role"): Py2Str(b"admin")},
                       b"(dp1\nS'uid'\np2\nI5\nsS'user_role'\np3\nS'admin'\np4\ns.")
    c["p0_mixed"] = ({Py2Str(b"name"): "J\u00e9r\u00f4me \u20ac", Py2Str(b"l"): [1, 2.5, None, True],
                      Py2Str(b"t"): (Py2Str(b"ab"), 1), Py2Str(b"big"): 2 ** 70, Py2Str(b"f"): 0.1},
                     b"(dp1\nS'name'\np2\nVJ\xe9r\xf4me \\u20ac\np3\nsS'l'\n(lp4\nI1\naF2.5\naNaI01\nasS't'\n"
                     b"(S'ab'\nI1\ntp5\nsS'big'\np6\nL1180591620717411303424L\nsS'f'\nF0.10000000000000001\ns.")
    c["p0_datetime"] = ({Py2Str(b"t"): datetime.datetime(2020, 1, 2, 3, 4, 5, 6)},
                        b"(dp1\nS't'\ncdatetime\ndatetime\np2\n(S'\\x07\\xe4\\x01\\x02\\x03\\x04\\x05\\x00\\x00\\x06'\ntRp3\ns.")
    hello = Py2Str(b"hello")
    c["p0_shared"] = ({Py2Str(b"a"): hello, Py2Str(b"b"): hello},
                      b"(dp1\nS'a'\nS'hello'\np2\nsS'b'\ng2\ns.")
    c["p0_quotes"] = ([Py2Str(b"it's"), Py2Str(b"say \"hi\" it's"), Py2Str(b"\\\t\x00\xff")],
                      b"(lp1\nS\"it's\"\np2\naS'say \"hi\" it\\'s'\np3\naS'\\\\\\t\\x00\\xff'\np4\na.")
    return c


def main():
    out = []
    for name, value in cases().items():
        memo, keep = {}, []
        desc = describe(value, memo, keep)
        pickles = {}
        for proto in (2, 3, 4, 5):
            data = pickle.dumps(value, protocol=proto)
            assert pickle.loads(data) is not None or value is None
            pickles[str(proto)] = {"len": len(data), "fnv1a64": fnv1a64(data)} if len(data) > LARGE else data.hex()
        out.append({"name": name, "value": desc, "pickles": pickles, "p0": None})
    for name, (value, p0) in p0_cases().items():
        memo, keep = {}, []
        out.append({"name": name, "value": describe(value, memo, keep), "pickles": {}, "p0": p0.hex()})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(out, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print("wrote %d cases" % len(out))


if __name__ == "__main__":
    main()
