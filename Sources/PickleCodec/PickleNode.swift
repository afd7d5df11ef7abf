/// One value of the decoded object graph.
///
/// Containers hold ``PickleRef``s into the same ``PickleDocument``, never
/// nested nodes, so a value shared through the memo appears once and a cycle
/// is just a reference back to an ancestor.
///
/// The large, rarer payloads are `indirect` (boxed), so a node is 56 bytes, not 96:
/// the arena is appended to for every value and walked again when it is freed.
public enum PickleNode: Sendable, Equatable {
    /// `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// A Python `int` that fits in 64 bits.
    case int(Int64)
    /// A Python `int` outside the 64-bit range.
    case bigInt(PickleBigInt)
    /// A Python `float` (NaN and infinities included).
    case float(Double)
    /// Python 3 `str`, Python 2 `unicode`.
    case string(String)
    /// Python 2 `str`: bytes, with a text view (see ``PickleBytes/text``).
    case py2String(PickleBytes)
    /// Python 3 `bytes`.
    case bytes([UInt8])
    /// `bytearray`.
    case bytearray([UInt8])
    /// `list`.
    case list([PickleRef])
    /// `tuple`.
    case tuple([PickleRef])
    /// `dict`, or a dict subclass such as `web.utils.Storage` (see ``PickleDict/subclass``).
    case dict(PickleDict)
    /// `set`.
    case set([PickleRef])
    /// `frozenset`.
    case frozenset([PickleRef])
    /// `datetime.datetime`.
    indirect case datetime(PickleDateTime)
    /// `datetime.date`.
    case date(PickleDate)
    /// `datetime.time`.
    indirect case time(PickleTime)
    /// `datetime.timedelta`.
    case timedelta(PickleTimedelta)
    /// `datetime.timezone` or another fixed-offset tzinfo (psycopg2's `FixedOffsetTimezone`).
    indirect case timezone(PickleTimezone)
    /// `decimal.Decimal`, exactly.
    case decimal(PickleDecimal)
    /// `uuid.UUID`.
    case uuid(PickleUUID)
    /// A bare reference to a class or function that was never called.
    case global(PickleGlobal)
    /// An instance of a class outside the allowlist, kept inert.
    indirect case object(PickleObject)
}

/// Arbitrary-precision integer as pickle's LONG1/LONG4 store it.
public struct PickleBigInt: Sendable, Hashable {
    /// Two's-complement, little-endian bytes, minimal length (as `encode_long` writes them).
    public var twosComplement: [UInt8]

    public init(twosComplement: [UInt8]) { self.twosComplement = twosComplement }
}

/// Bytes of a Python 2 `str`, which has no declared encoding.
public struct PickleBytes: Sendable, Hashable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// UTF-8 when the bytes are valid UTF-8, otherwise Latin-1 (every byte is a code point).
    public var text: String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }
}

/// Key/value pairs of a dict in insertion (pickle) order.
public struct PickleDict: Sendable, Equatable {
    /// Keys, parallel to ``values``.
    public var keys: [PickleRef]
    /// Values, parallel to ``keys``.
    public var values: [PickleRef]
    /// The dict subclass when not a plain dict (for example `web.utils.Storage`).
    public var subclass: PickleGlobal?

    public init(keys: [PickleRef] = [], values: [PickleRef] = [], subclass: PickleGlobal? = nil) {
        self.keys = keys
        self.values = values
        self.subclass = subclass
    }
}

/// `datetime.date`.
public struct PickleDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }
}

/// `datetime.time`.
public struct PickleTime: Sendable, Hashable {
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int
    /// PEP 495's fold bit.
    public var fold: Int
    /// The tzinfo, if aware: a ``PickleNode/timezone`` node or an inert ``PickleNode/object``.
    public var tzinfo: PickleRef?

    public init(hour: Int, minute: Int, second: Int, microsecond: Int, fold: Int = 0, tzinfo: PickleRef? = nil) {
        self.hour = hour; self.minute = minute; self.second = second
        self.microsecond = microsecond; self.fold = fold; self.tzinfo = tzinfo
    }
}

/// `datetime.datetime`.
public struct PickleDateTime: Sendable, Hashable {
    public var date: PickleDate
    public var time: PickleTime

    public init(date: PickleDate, time: PickleTime) {
        self.date = date; self.time = time
    }
}

/// `datetime.timedelta`, normalized as Python stores it.
public struct PickleTimedelta: Sendable, Hashable {
    public var days: Int
    /// 0 ..< 86400.
    public var seconds: Int
    /// 0 ..< 1_000_000.
    public var microseconds: Int

    public init(days: Int, seconds: Int, microseconds: Int) {
        self.days = days; self.seconds = seconds; self.microseconds = microseconds
    }
}

/// A fixed-offset time zone.
public struct PickleTimezone: Sendable, Hashable {
    /// Offset from UTC.
    public var offset: PickleTimedelta
    /// The name passed to `timezone(offset, name)`, if any.
    public var name: String?
    /// The class it came from (`datetime.timezone`, `psycopg2.tz.FixedOffsetTimezone`, ...).
    public var origin: PickleGlobal

    public init(offset: PickleTimedelta, name: String? = nil, origin: PickleGlobal = PickleGlobal(module: "datetime", name: "timezone")) {
        self.offset = offset; self.name = name; self.origin = origin
    }
}

/// `decimal.Decimal`, kept exactly as `str(Decimal)` prints it.
public struct PickleDecimal: Sendable, Hashable {
    /// Exactly `str(value)` in Python: "1.10", "-0", "1E+3", "NaN", "sNaN", "-Infinity".
    public var string: String

    public init(_ string: String) { self.string = string }
}

/// `uuid.UUID`.
public struct PickleUUID: Sendable, Hashable {
    /// The 16 bytes, big-endian (as `UUID.bytes`).
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// An instance of a class outside the allowlist: what the pickle said, nothing run.
public struct PickleObject: Sendable, Equatable {
    /// The class (or callable for REDUCE) named by the pickle.
    public var type: PickleGlobal
    /// Arguments given to the class or callable (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ), as a tuple node.
    public var args: PickleRef?
    /// Keyword arguments (NEWOBJ_EX), as a dict node.
    public var kwargs: PickleRef?
    /// State from BUILD, if any.
    public var state: PickleRef?
    /// Items appended (APPEND/APPENDS on a non-list object).
    public var listItems: [PickleRef]
    /// Items set (SETITEM/SETITEMS on a non-dict object), keys and values alternating.
    public var dictItems: [PickleRef]

    public init(type: PickleGlobal, args: PickleRef? = nil, kwargs: PickleRef? = nil, state: PickleRef? = nil, listItems: [PickleRef] = [], dictItems: [PickleRef] = []) {
        self.type = type; self.args = args; self.kwargs = kwargs; self.state = state
        self.listItems = listItems; self.dictItems = dictItems
    }
}
