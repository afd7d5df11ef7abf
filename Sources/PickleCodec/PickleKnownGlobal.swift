/// The allowlisted globals, classified once per GLOBAL/STACK_GLOBAL opcode (a memoized global
/// is reused by GET) and kept in the `.global` node, so constructing a value never compares names.
enum PickleKnownGlobal: UInt32 {
    case other, datetime, date, timedelta, decimal, dictSubclass, codecsEncode
    case time, timezone, set, frozenset, bytes, bytearray, uuid, psycopgFixedOffset
    case copyregReconstructor, copyregNewobj, copyregNewobjEx, builtinsObject, builtinsDict

    init(_ g: PickleGlobal) {
        // The names CPython 3 writes, without building the normalized name.
        switch (g.module, g.name) {
        case ("datetime", "datetime"): self = .datetime
        case ("datetime", "date"): self = .date
        case ("datetime", "timedelta"): self = .timedelta
        case ("datetime", "timezone"): self = .timezone
        case ("datetime", "time"): self = .time
        case ("decimal", "Decimal"): self = .decimal
        case ("_codecs", "encode"): self = .codecsEncode
        case ("web.utils", "Storage"): self = .dictSubclass
        case ("uuid", "UUID"): self = .uuid
        case ("builtins", "set"): self = .set
        case ("builtins", "frozenset"): self = .frozenset
        case ("builtins", "bytes"): self = .bytes
        case ("builtins", "bytearray"): self = .bytearray
        case ("builtins", "object"): self = .builtinsObject
        case ("builtins", "dict"): self = .builtinsDict
        case ("copyreg", "_reconstructor"): self = .copyregReconstructor
        case ("copyreg", "__newobj__"): self = .copyregNewobj
        case ("copyreg", "__newobj_ex__"): self = .copyregNewobjEx
        // Python 2 names, which CPython 3 also writes at protocols 0-2.
        case ("__builtin__", "set"): self = .set
        case ("__builtin__", "frozenset"): self = .frozenset
        case ("__builtin__", "bytearray"): self = .bytearray
        case ("__builtin__", "object"): self = .builtinsObject
        case ("__builtin__", "dict"): self = .builtinsDict
        case ("copy_reg", "_reconstructor"): self = .copyregReconstructor
        case ("copy_reg", "__newobj__"): self = .copyregNewobj
        case ("datetime", _), ("builtins", _), ("copyreg", _), ("uuid", _), ("decimal", _): self = .other
        default: self = Self(normalized: g.normalized)
        }
    }

    /// Classification of a name after Python 2 renames and module aliases.
    private init(normalized n: PickleGlobal) {
        switch n {
        case .datetimeDatetime: self = .datetime
        case .datetimeDate: self = .date
        case .datetimeTimedelta: self = .timedelta
        case .datetimeTimezone: self = .timezone
        case .datetimeTime: self = .time
        case .decimalDecimal: self = .decimal
        case .codecsEncode: self = .codecsEncode
        case .uuidUUID: self = .uuid
        case .builtinsSet: self = .set
        case .builtinsFrozenset: self = .frozenset
        case .builtinsBytes: self = .bytes
        case .builtinsBytearray: self = .bytearray
        case .builtinsObject: self = .builtinsObject
        case .builtinsDict: self = .builtinsDict
        case .copyregReconstructor: self = .copyregReconstructor
        case .copyregNewobj: self = .copyregNewobj
        case .copyregNewobjEx: self = .copyregNewobjEx
        case .psycopgFixedOffset: self = .psycopgFixedOffset
        default: self = PickleGlobal.knownDictSubclasses.contains(n) ? .dictSubclass : .other
        }
    }

    var isCopyreg: Bool { self == .copyregNewobj || self == .copyregNewobjEx || self == .copyregReconstructor }
}
