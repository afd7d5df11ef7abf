/// The allowlisted globals, classified once per GLOBAL/STACK_GLOBAL opcode (a memoized global
/// is reused by GET) and kept in the `.global` node, so constructing a value never compares names.
enum PickleKnownGlobal: UInt32 {
    case other, datetime, date, timedelta, decimal, dictSubclass, codecsEncode
    case time, timezone, set, frozenset, bytes, bytearray, uuid, psycopgFixedOffset
    case copyregReconstructor, copyregNewobj, copyregNewobjEx, builtinsObject, builtinsDict

    init(_ g: PickleGlobal) {
        // The names CPython 3 (and 2) write, module first: a handful of comparisons per global,
        // without building the normalized name.
        let known: PickleKnownGlobal?
        switch g.module {
        case "datetime":
            switch g.name {
            case "datetime": known = .datetime
            case "date": known = .date
            case "timedelta": known = .timedelta
            case "timezone": known = .timezone
            case "time": known = .time
            default: known = .other
            }
        case "decimal": known = g.name == "Decimal" ? .decimal : .other
        case "builtins", "__builtin__":
            switch g.name {
            case "set": known = .set
            case "frozenset": known = .frozenset
            case "bytes": known = g.module == "builtins" ? .bytes : nil  // Python 2's bytes is str: renamed
            case "bytearray": known = .bytearray
            case "object": known = .builtinsObject
            case "dict": known = .builtinsDict
            default: known = nil
            }
        case "copyreg", "copy_reg":
            switch g.name {
            case "_reconstructor": known = .copyregReconstructor
            case "__newobj__": known = .copyregNewobj
            case "__newobj_ex__": known = .copyregNewobjEx
            default: known = .other
            }
        case "uuid": known = g.name == "UUID" ? .uuid : .other
        case "_codecs": known = g.name == "encode" ? .codecsEncode : .other
        case "web.utils": known = g.name == "Storage" ? .dictSubclass : nil
        default: known = nil
        }
        self = known ?? Self(normalized: g.normalized)
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
