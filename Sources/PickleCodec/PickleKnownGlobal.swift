/// The allowlisted globals the decoder rebuilds without materializing their arguments,
/// classified once per GLOBAL/STACK_GLOBAL opcode (a memoized global is reused by GET).
enum PickleKnownGlobal: UInt32 {
    case other, datetime, date, timedelta, decimal, dictSubclass, codecsEncode

    init(_ g: PickleGlobal) {
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
