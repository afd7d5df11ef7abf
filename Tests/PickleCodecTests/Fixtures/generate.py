#!/usr/bin/env python3
"""Generates the PickleCodec golden corpus with real CPython (stdlib only).

Writes, next to this script:
  golden.jsonl  one case per line: {"name", "protocol", "source", "b64", "json"}
                b64  = base64.encodebytes(pickle) (web.py's 76-column text)
                json = canonical JSON computed here by `canonical()`, a reference
                       implementation of the rules in README.md ("The pickle codec")
  floats.txt    "<hex bits> <repr>" for random doubles, to check PickleFloatFormat.repr

Python 2 pickles cannot be produced here (no Python 2); they are written by
hand from the protocol documentation in PY2_CASES, with their expected JSON.

Run: python3 Tests/PickleCodecTests/Fixtures/generate.py
"""
import base64
import collections
import datetime
import decimal
import json
import os
import pickle
import random
import struct
import sys
import types
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def _module(name):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        n = ".".join(parts[:i])
        if n not in sys.modules:
            sys.modules[n] = types.ModuleType(n)
        if i > 1:
            setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], sys.modules[n])
    return sys.modules[name]


sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "lib"))
from web.utils import Storage  # noqa: E402  (the shared stand-in for web.utils.Storage)

ZERO = datetime.timedelta(0)


class FixedOffsetTimezone(datetime.tzinfo):
    """Same pickling behaviour as psycopg2.tz.FixedOffsetTimezone (tzinfo.__reduce__ with
    __getinitargs__ = (offset minutes, name), state = instance __dict__)."""
    _name = None
    _offset = ZERO

    def __init__(self, offset=None, name=None):
        if offset is not None:
            self._offset = datetime.timedelta(minutes=offset)
        if name is not None:
            self._name = name

    def __getinitargs__(self):
        offset_mins = self._offset.seconds // 60 + self._offset.days * 24 * 60
        return offset_mins, self._name

    def utcoffset(self, dt):
        return self._offset

    def tzname(self, dt):
        return self._name

    def dst(self, dt):
        return ZERO


FixedOffsetTimezone.__module__ = "psycopg2.tz"
_module("psycopg2.tz").FixedOffsetTimezone = FixedOffsetTimezone


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


Point.__module__ = "myapp.models"
_module("myapp.models").Point = Point


# ---------------------------------------------------------------- reference JSON

def jstr(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jfloat(f):
    if f != f:
        return '"NaN"'
    if f == float("inf"):
        return '"Infinity"'
    if f == float("-inf"):
        return '"-Infinity"'
    return repr(f)


def jtimedelta(td):
    return '{"$timedelta":[%d,%d,%d]}' % (td.days, td.seconds, td.microseconds)


def fixed_offset(tz):
    if isinstance(tz, datetime.timezone):
        return True
    return isinstance(tz, FixedOffsetTimezone) and -datetime.timedelta(1) < tz._offset < datetime.timedelta(1)


def canonical(obj, proto):
    path = set()

    def walk(o):
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, int):
            return str(o)
        if isinstance(o, float):
            return jfloat(o)
        if isinstance(o, str):
            return jstr(o)
        if isinstance(o, (bytes, bytearray)):
            return '{"$bytes":%s}' % jstr(base64.b64encode(bytes(o)).decode())
        if isinstance(o, decimal.Decimal):
            s = str(o)
            return s if (s[0].isdigit() or (s[0] == "-" and s[1:2].isdigit())) else jstr(s)
        if isinstance(o, uuid.UUID):
            return jstr(str(o))
        if isinstance(o, datetime.timedelta):
            return jtimedelta(o)
        if isinstance(o, datetime.timezone):
            initargs = o.__getinitargs__()  # (offset,) or (offset, name): what the pickle carries
            args = [jtimedelta(initargs[0])] + [jstr(n) for n in initargs[1:]]
            return '{"$class":"datetime.timezone","$args":[%s]}' % ",".join(args)
        if isinstance(o, FixedOffsetTimezone):
            args = [jtimedelta(o._offset)]
            if o._name is not None:
                args.append(jstr(o._name))
            return '{"$class":"psycopg2.tz.FixedOffsetTimezone","$args":[%s]}' % ",".join(args)
        if isinstance(o, (datetime.datetime, datetime.time)):
            if o.tzinfo is None or fixed_offset(o.tzinfo):
                return jstr(o.isoformat())
            raise ValueError("non-fixed tzinfo not in corpus")
        if isinstance(o, datetime.date):
            return jstr(o.isoformat())
        if isinstance(o, (type, types.BuiltinFunctionType, types.FunctionType)):
            return '{"$global":%s}' % jstr(o.__module__ + "." + o.__qualname__)
        if id(o) in path:
            return '{"$ref":"cycle"}'
        path.add(id(o))
        try:
            if isinstance(o, (list, tuple, set, frozenset)):
                return "[" + ",".join(walk(x) for x in o) + "]"
            if type(o) in (dict, Storage, collections.OrderedDict):
                return entries(list(o.items()))
            return instance(o)
        finally:
            path.discard(id(o))

    def entries(items):
        if all(isinstance(k, str) for k, _ in items):
            return "{" + ",".join(jstr(k) + ":" + walk(v) for k, v in items) + "}"
        return "[" + ",".join("[" + walk(k) + "," + walk(v) + "]" for k, v in items) + "]"

    def instance(o):
        rv = o.__reduce_ex__(proto)
        func, args = rv[0], rv[1]
        state = rv[2] if len(rv) > 2 else None
        listitems = list(rv[3]) if len(rv) > 3 and rv[3] is not None else []
        dictitems = list(rv[4]) if len(rv) > 4 and rv[4] is not None else []
        parts = []
        if func.__name__ == "__newobj__":
            cls = args[0]
            parts.append('"$class":' + jstr(cls.__module__ + "." + cls.__qualname__))
            parts.append('"$args":[' + ",".join(walk(a) for a in args[1:]) + "]")
        elif func.__name__ == "_reconstructor":
            cls = args[0]
            parts.append('"$class":' + jstr(cls.__module__ + "." + cls.__qualname__))
        else:
            parts.append('"$class":' + jstr(func.__module__ + "." + func.__qualname__))
            parts.append('"$args":[' + ",".join(walk(a) for a in args) + "]")
        if state is not None:
            parts.append('"$state":' + walk(state))
        if listitems:
            parts.append('"$items":[' + ",".join(walk(x) for x in listitems) + "]")
        if dictitems:
            parts.append('"$dictitems":' + entries(dictitems))
        return "{" + ",".join(parts) + "}"

    return walk(obj)


# ---------------------------------------------------------------- Python 3 cases

def py3_cases():
    utc = datetime.timezone.utc
    ist = datetime.timezone(datetime.timedelta(hours=5, minutes=30), "IST")
    neg = datetime.timezone(-datetime.timedelta(hours=3, minutes=30))
    odd = datetime.timezone(datetime.timedelta(hours=1, seconds=30, microseconds=5))
    shared = [1, 2]
    cyc = []
    cyc.append(cyc)
    cyc_dict = {"name": "loop"}
    cyc_dict["self"] = cyc_dict
    p = Point(1, [2, 3])
    p_cyc = Point(0, None)
    p_cyc.y = p_cyc
    user = Storage(id=7, email="ann@example.org", roles=["admin", "editor"])
    session = {
        "ip": "203.0.113.9",
        "session_id": "2f1c0d6e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e",
        "uid": 12345,
        "username": "ann",
        "current_page": "dashboard",
        "user_role": "admin",
        "login_time": datetime.datetime(2024, 3, 1, 12, 30, 5, 250000),
        "user": user,
        "flash": [],
        "csrf": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "cart_total": decimal.Decimal("19.90"),
    }
    seed = {"uid": 0, "username": "", "current_page": "index", "user_role": "invited"}
    cases = {
        "none": None,
        "bools": [True, False],
        "small_ints": [0, 1, -1, 255, 256, 65535, 65536, -129, 2 ** 31 - 1, -2 ** 31, 2 ** 31, -2 ** 31 - 1],
        "int64_edges": [2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64, -2 ** 64],
        "big_ints": [2 ** 100, -2 ** 100, 10 ** 50 + 7, -(10 ** 60) - 1, 2 ** 1000],
        "floats": [0.0, -0.0, 1.0, 1.5, -2.25, 0.1, 1e16, 1e15, 5e-05, 0.0001, 1e-05, 1e300, 5e-324,
                   float("nan"), float("inf"), float("-inf"), 123456789012345678.0, 2.5e-7, 1 / 3],
        "strings": ["", "ascii", "caf\u00e9", "\u20ac uro", "\U0001F600 emoji", "quote\" back\\slash",
                    "ctl\n\r\t\b\f\x00\x1f\x7f", "nul\x00", "line\u2028sep", "x" * 300],
        "bytes": [b"", b"ab", bytes(range(256)), b"\x00\xff" * 200],
        "bytearray": bytearray(b"hello\x00\xff"),
        "empty_bytearray": bytearray(),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "nested": {"a": [1, {"b": (2, 3)}], "c": {"d": {"e": None}}},
        "non_str_keys": {1: "one", (1, 2): "pair", None: 0, 2.5: "f", b"k": "bytes key"},
        "mixed_keys": {"a": 1, 2: "b"},
        "set": {1, 2, 3},
        "frozenset": frozenset(["a", "b"]),
        "empty_set": set(),
        "shared_refs": {"x": shared, "y": shared, "z": [shared, shared]},
        "cycle_list": cyc,
        "cycle_dict": cyc_dict,
        "datetime_naive": datetime.datetime(2024, 2, 29, 23, 59, 59),
        "datetime_micro": datetime.datetime(1, 1, 1, 0, 0, 0, 1),
        "datetime_max": datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
        "datetime_utc": datetime.datetime(2024, 3, 1, 12, 0, tzinfo=utc),
        "datetime_named_tz": datetime.datetime(2024, 3, 1, 12, 0, 0, 500, tzinfo=ist),
        "datetime_negative_tz": datetime.datetime(2024, 3, 1, 12, 0, tzinfo=neg),
        "datetime_seconds_tz": datetime.datetime(2024, 3, 1, 12, 0, tzinfo=odd),
        "datetime_fold": datetime.datetime(2021, 11, 7, 1, 30, fold=1),
        "datetime_fold_aware": datetime.datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=neg),
        "date": datetime.date(2024, 2, 29),
        "date_min": datetime.date(1, 1, 1),
        "time_naive": datetime.time(13, 14, 15),
        "time_micro_fold": datetime.time(1, 2, 3, 4, fold=1),
        "time_aware": datetime.time(23, 0, tzinfo=ist),
        "timedelta": datetime.timedelta(days=3, seconds=5, microseconds=7),
        "timedelta_negative": datetime.timedelta(seconds=-1),
        "timedelta_big": datetime.timedelta(days=-999999999),
        "timezone_utc": utc,
        "timezone_named": ist,
        "psycopg2_tz_datetime": datetime.datetime(2013, 5, 6, 7, 8, 9, tzinfo=FixedOffsetTimezone(120)),
        "psycopg2_tz_named": datetime.datetime(2013, 5, 6, 7, 8, 9, tzinfo=FixedOffsetTimezone(-330, "X")),
        "psycopg2_tz_bare": FixedOffsetTimezone(60, "CET"),
        "decimals": [decimal.Decimal(s) for s in
                     ["1.10", "-0", "0", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+3", "0.0000001",
                      "123456789012345678901234567890.5", "-1.5E-10", "100", "0.000", "1E-7"]],
        "uuid": uuid.UUID("00000000-0000-0000-0000-000000000000"),
        "uuid_safe": uuid.UUID(int=5, is_safe=uuid.SafeUUID.safe),
        "uuids": [uuid.UUID(int=2 ** 128 - 1), uuid.UUID("a8098c1a-f86e-11da-bd1a-00112444be1e")],
        "storage": Storage(a=1, b="two"),
        "storage_empty": Storage(),
        "storage_nested": Storage(user=Storage(name="ann"), items=[Storage(x=1)]),
        "ordered_dict": collections.OrderedDict([("b", 1), ("a", [2])]),
        "defaultdict": collections.defaultdict(list, {"a": [1], "b": []}),
        "bare_globals": [Point, len, collections.OrderedDict, datetime.datetime],
        "object": p,
        "object_cycle": p_cyc,
        "seed_initializer": seed,
        "websession": session,
    }
    return cases


# ---------------------------------------------------------------- Python 2 cases (hand-written)

def py2repr(b):
    """Python 2 repr() of a str (what cPickle protocol 0 writes after S)."""
    quote = "'"
    if b"'" in b and b'"' not in b:
        quote = '"'
    out = [quote]
    for c in b:
        ch = chr(c)
        if ch == quote or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif c < 0x20 or c >= 0x7F:
            out.append("\\x%02x" % c)
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out).encode("latin1")


def dt_state(y, mo, d, h, mi, s, us, fold=0):
    return bytes([y >> 8, y & 255, mo | (fold << 7), d, h, mi, s, us >> 16, (us >> 8) & 255, us & 255])


DT = dt_state(2013, 5, 6, 7, 8, 9, 123456)


def py2_cases():
    c = []
    seed = (b"(dp1\nS'username'\np2\nS''\nsS'current_page'\np3\nS'index'\np4\nsS'uid'\np5\nI0\n"
            b"sS'user_role'\np6\nS'invited'\np7\ns.")
    c.append(("py2_seed_initializer", 0, seed,
              '{"username":"","current_page":"index","uid":0,"user_role":"invited"}'))
    c.append(("py2_bools_ints", 0, b"(lp1\nI01\naI00\naI-7\naI9223372036854775807\na.",
              "[true,false,-7,9223372036854775807]"))
    c.append(("py2_longs", 0, b"(lp1\nL12345678901234567890L\naL-5L\naL0L\na.",
              "[12345678901234567890,-5,0]"))
    c.append(("py2_floats", 0, b"(lp1\nF1.5\naFnan\naFinf\naF-inf\naF1e+16\naF-0.0\na.",
              '[1.5,"NaN","Infinity","-Infinity",1e+16,-0.0]'))
    c.append(("py2_str_escapes", 0, b"(lp1\nS" + py2repr(b"it's\n\x00\\") + b"\nap2\nS" + py2repr(b"caf\xe9") +
              b"\nap3\nS" + py2repr(b'say "hi"') + b"\na.",
              '["it\'s\\n\\u0000\\\\","caf\u00e9","say \\"hi\\""]'))
    c.append(("py2_unicode", 0, b"(lp1\nVJos\xe9\np2\naV\\u20ac \\U0001f600\np3\naVback\\u005cslash\\u000a\np4\na.",
              '["Jos\u00e9","\u20ac \U0001F600","back\\\\slash\\n"]'))
    c.append(("py2_datetime", 0, b"cdatetime\ndatetime\np1\n(S" + py2repr(DT) + b"\ntRp2\n.",
              '"2013-05-06T07:08:09.123456"'))
    c.append(("py2_date_time", 0, b"(lp1\ncdatetime\ndate\np2\n(S" + py2repr(bytes([7, 221, 5, 6])) +
              b"\ntRp3\nacdatetime\ntime\np4\n(S" + py2repr(bytes([7, 8, 9, 0, 0, 0])) + b"\ntRp5\na.",
              '["2013-05-06","07:08:09"]'))
    c.append(("py2_timedelta", 0, b"cdatetime\ntimedelta\np1\n(I-1\nI86399\nI0\ntRp2\n.",
              '{"$timedelta":[-1,86399,0]}'))
    c.append(("py2_psycopg2_datetime", 0,
              b"cdatetime\ndatetime\np1\n(S" + py2repr(DT) + b"\ncpsycopg2.tz\nFixedOffsetTimezone\np2\n"
              b"(I120\nNtRp3\n(dp4\nS'_offset'\np5\ncdatetime\ntimedelta\np6\n(I0\nI7200\nI0\ntRp7\nsbtRp8\n.",
              '"2013-05-06T07:08:09.123456+02:00"'))
    c.append(("py2_storage_reconstructor", 0,
              b"ccopy_reg\n_reconstructor\np1\n(cweb.utils\nStorage\np2\nc__builtin__\ndict\np3\n(dp4\n"
              b"S'uid'\np5\nI42\nsS'name'\np6\nVAnn\np7\nstRp8\n.",
              '{"uid":42,"name":"Ann"}'))
    c.append(("py2_storage_proto2", 2,
              b"\x80\x02cweb.utils\nStorage\nq\x01)\x81q\x02(U\x03uidq\x03K*U\x04roleq\x04U\x05adminq\x05u.",
              '{"uid":42,"role":"admin"}'))
    c.append(("py2_uuid", 0,
              b"ccopy_reg\n_reconstructor\np1\n(cuuid\nUUID\np2\nc__builtin__\nobject\np3\nNtRp4\n(dp5\n"
              b"S'int'\np6\nL24197857161011715162171839636988778104L\nsb.",
              '"12345678-1234-5678-1234-567812345678"'))
    c.append(("py2_decimal", 0, b"cdecimal\nDecimal\np1\n(S'1.10'\np2\ntRp3\n.", "1.10"))
    c.append(("py2_set", 0, b"c__builtin__\nset\np1\n((lp2\nI1\naI2\natRp3\n.", "[1,2]"))
    c.append(("py2_oldstyle_instance", 0, b"(i__main__\nFoo\np1\n(dp2\nS'a'\np3\nI1\nsb.",
              '{"$class":"__main__.Foo","$args":[],"$state":{"a":1}}'))
    c.append(("py2_shared_memo", 0, b"(dp1\nS'a'\n(lp2\nI1\nasS'b'\ng2\ns.", '{"a":[1],"b":[1]}'))
    c.append(("py2_binary_proto2", 2,
              b"\x80\x02}q\x01(U\x03uidq\x02J\x10\x27\x00\x00U\x04nameq\x03X\x05\x00\x00\x00Jos\xc3\xa9q\x04"
              b"U\x03bigq\x05\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01U\x04flagq\x06\x88u.",
              '{"uid":10000,"name":"Jos\u00e9","big":18446744073709551616,"flag":true}'))
    c.append(("py2_binstring_proto1", 1, b"]q\x01(T\x03\x00\x00\x00abcq\x02U\x01\xffq\x03e.",
              '["abc","\u00ff"]'))
    c.append(("py2_bytearray", 0, b"c__builtin__\nbytearray\np1\n(Vab\xff\np2\nS'latin-1'\np3\ntRp4\n.",
              '{"$bytes":"YWL/"}'))
    c.append(("py2_datetime_proto2", 2, b"\x80\x02cdatetime\ndatetime\nq\x01U\n" + DT + b"\x85Rq\x02.",
              '"2013-05-06T07:08:09.123456"'))
    return c


def main():
    random.seed(20240301)
    lines = []
    for name, obj in py3_cases().items():
        for proto in range(0, 6):
            data = pickle.dumps(obj, protocol=proto)
            assert _roundtrips(obj, data), name
            lines.append({"name": name, "protocol": proto, "source": "cpython" + sys.version.split()[0],
                          "b64": base64.encodebytes(data).decode(), "json": canonical(obj, proto)})
    for name, proto, data, expected in py2_cases():
        lines.append({"name": name, "protocol": proto, "source": "python2-handwritten",
                      "b64": base64.encodebytes(data).decode(), "json": expected})
    with open(os.path.join(HERE, "golden.jsonl"), "w") as f:
        for line in lines:
            f.write(json.dumps(line, sort_keys=True, ensure_ascii=True) + "\n")
    with open(os.path.join(HERE, "floats.txt"), "w") as f:
        specials = [0.1, 0.2, 0.3, 1e22, 1e23, 9007199254740993.0, 2 ** -1074, 1.7976931348623157e308,
                    123.456, 1e-4, 9.999999999999999e-05, 1e16 - 2, 1e17, 0.5, 100.0]
        values = specials + [struct.unpack("<d", struct.pack("<Q", random.getrandbits(64)))[0] for _ in range(3000)]
        values += [random.uniform(-1e6, 1e6) for _ in range(1000)] + [random.random() * 10 ** random.randint(-30, 30) for _ in range(1000)]
        for v in values:
            if v != v or v in (float("inf"), float("-inf")):
                continue
            f.write("%016x %s\n" % (struct.unpack("<Q", struct.pack("<d", v))[0], repr(v)))


def _roundtrips(obj, data):
    pickle.loads(data)  # every fixture must load in CPython itself
    return True


if __name__ == "__main__":
    main()
