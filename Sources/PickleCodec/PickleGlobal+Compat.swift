extension PickleGlobal {
    /// The name CPython 3's unpickler resolves a Python 2 name to (`fix_imports`): the
    /// `__builtin__`, `copy_reg` and `exceptions` renames, which CPython 3 itself writes in
    /// protocols 0–2. Used in canonical JSON so a class prints the same in every protocol.
    public var python3Name: PickleGlobal {
        switch module {
        case "__builtin__":
            switch name {
            case "xrange": return PickleGlobal(module: "builtins", name: "range")
            case "unicode", "basestring": return PickleGlobal(module: "builtins", name: "str")
            case "long": return PickleGlobal(module: "builtins", name: "int")
            case "unichr": return PickleGlobal(module: "builtins", name: "chr")
            case "reduce": return PickleGlobal(module: "functools", name: "reduce")
            case "intern": return PickleGlobal(module: "sys", name: "intern")
            default: return PickleGlobal(module: "builtins", name: name)
            }
        case "copy_reg": return PickleGlobal(module: "copyreg", name: name)
        case "exceptions":
            return PickleGlobal(module: "builtins", name: name == "StandardError" ? "Exception" : name)
        default: return self
        }
    }

    /// ``python3Name`` plus module aliases of the allowlisted types, for allowlist matching only.
    ///
    /// The node keeps the name the pickle wrote; only comparisons use this.
    var normalized: PickleGlobal {
        // Every renamed module starts with `_`, `c` or `e`; others (datetime, decimal, builtins, web.utils, ...)
        // are returned as they are without string comparisons (this runs on every REDUCE).
        guard let first = module.utf8.first, first == 0x5F || first == 0x63 || first == 0x65 else { return self }
        let n = python3Name
        switch n.module {
        case "cdecimal", "_decimal", "_pydecimal": return PickleGlobal(module: "decimal", name: n.name)
        case "_datetime": return PickleGlobal(module: "datetime", name: n.name)
        default: return n
        }
    }

    static let builtinsSet = PickleGlobal(module: "builtins", name: "set")
    static let builtinsFrozenset = PickleGlobal(module: "builtins", name: "frozenset")
    static let builtinsBytes = PickleGlobal(module: "builtins", name: "bytes")
    static let builtinsBytearray = PickleGlobal(module: "builtins", name: "bytearray")
    static let builtinsObject = PickleGlobal(module: "builtins", name: "object")
    static let builtinsDict = PickleGlobal(module: "builtins", name: "dict")
    static let codecsEncode = PickleGlobal(module: "_codecs", name: "encode")
    static let copyregReconstructor = PickleGlobal(module: "copyreg", name: "_reconstructor")
    static let copyregNewobj = PickleGlobal(module: "copyreg", name: "__newobj__")
    static let copyregNewobjEx = PickleGlobal(module: "copyreg", name: "__newobj_ex__")
    static let datetimeDatetime = PickleGlobal(module: "datetime", name: "datetime")
    static let datetimeDate = PickleGlobal(module: "datetime", name: "date")
    static let datetimeTime = PickleGlobal(module: "datetime", name: "time")
    static let datetimeTimedelta = PickleGlobal(module: "datetime", name: "timedelta")
    static let datetimeTimezone = PickleGlobal(module: "datetime", name: "timezone")
    static let decimalDecimal = PickleGlobal(module: "decimal", name: "Decimal")
    static let uuidUUID = PickleGlobal(module: "uuid", name: "UUID")
    static let psycopgFixedOffset = PickleGlobal(module: "psycopg2.tz", name: "FixedOffsetTimezone")

    /// dict subclasses decoded as ``PickleNode/dict`` with ``PickleDict/subclass`` set.
    static let knownDictSubclasses: Set<PickleGlobal> = [
        PickleGlobal(module: "web.utils", name: "Storage"),
        PickleGlobal(module: "web.utils", name: "storage"),
        PickleGlobal(module: "collections", name: "OrderedDict"),
    ]
}
