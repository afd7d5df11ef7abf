/// The allowlisted globals the decoder rebuilds without materializing their arguments,
/// classified once per GLOBAL/STACK_GLOBAL opcode (a memoized global is reused by GET).
enum PickleKnownGlobal: UInt32 {
    case other, datetime, date, timedelta, decimal, dictSubclass, codecsEncode

    init(_ g: PickleGlobal) {
        // The names CPython 3 writes, without building the normalized name.
        switch (g.module, g.name) {
        case ("datetime", "datetime"): self = .datetime; return
        case ("datetime", "date"): self = .date; return
        case ("datetime", "timedelta"): self = .timedelta; return
        case ("decimal", "Decimal"): self = .decimal; return
        case ("_codecs", "encode"): self = .codecsEncode; return
        case ("web.utils", "Storage"): self = .dictSubclass; return
        case ("datetime", _), ("builtins", _), ("copyreg", _), ("uuid", _): self = .other; return
        default: break
        }
        let n = g.normalized
        switch n {
        case .datetimeDatetime: self = .datetime
        case .datetimeDate: self = .date
        case .datetimeTimedelta: self = .timedelta
        case .decimalDecimal: self = .decimal
        case .codecsEncode: self = .codecsEncode
        default: self = PickleGlobal.knownDictSubclasses.contains(n) ? .dictSubclass : .other
        }
    }
}
