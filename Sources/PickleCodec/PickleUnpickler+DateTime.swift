/// `datetime` values from the argument forms CPython pickles: the packed
/// bytes state (Python 2 str, Python 3 bytes, or Latin-1 str) or plain ints.
extension PickleUnpickler {
    /// Packed state bytes from bytes, a Python 2 str, or a str of code points below 256.
    private func stateBytes(_ ref: PickleRef) -> [UInt8]? {
        switch st[ref] {
        case .bytes(let b): return b
        case .py2String(let b): return b.bytes
        case .string(let s):
            var out: [UInt8] = []
            for scalar in s.unicodeScalars {
                guard scalar.value <= 0xFF else { return nil }
                out.append(UInt8(scalar.value))
            }
            return out
        default: return nil
        }
    }

    private func intArgument(_ ref: PickleRef) -> Int? {
        switch st[ref] {
        case .int(let v): return Int(exactly: v)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// tzinfo argument: None, a fixed-offset zone, or an inert object (pytz and friends).
    private func tzinfoArgument(_ ref: PickleRef) throws(PickleError) -> PickleRef? {
        switch st[ref] {
        case .none: return nil
        case .timezone, .object: return ref
        default: throw fail(.badValue, "tzinfo argument is not a tzinfo")
        }
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    func checkedDate(_ year: Int, _ month: Int, _ day: Int) throws(PickleError) -> PickleDate {
        guard year >= 1, year <= 9999, month >= 1, month <= 12, day >= 1, day <= Self.daysInMonth(year, month) else {
            throw fail(.badValue, "date field out of range")
        }
        return PickleDate(year: year, month: month, day: day)
    }

    func checkedTime(_ h: Int, _ m: Int, _ s: Int, _ us: Int, fold: Int, tz: PickleRef?) throws(PickleError) -> PickleTime {
        guard h >= 0, h < 24, m >= 0, m < 60, s >= 0, s < 60, us >= 0, us < 1_000_000, fold == 0 || fold == 1 else {
            throw fail(.badValue, "time field out of range")
        }
        return PickleTime(hour: h, minute: m, second: s, microsecond: us, fold: fold, tzinfo: tz)
    }

    /// `datetime(state[, tzinfo])`: year (2 bytes), month (bit 7 = fold), day, hour, minute, second, µs (3 bytes).
    func makeDateTime(_ argv: [PickleRef]) throws(PickleError) -> PickleDateTime? {
        if argv.count >= 1, argv.count <= 2, let b = stateBytes(argv[0]) {
            guard b.count == 10 else { return nil }
            let tz = argv.count == 2 ? try tzinfoArgument(argv[1]) : nil
            let date = try checkedDate(Int(b[0]) << 8 | Int(b[1]), Int(b[2] & 0x7F), Int(b[3]))
            let us = Int(b[7]) << 16 | Int(b[8]) << 8 | Int(b[9])
            let time = try checkedTime(Int(b[4]), Int(b[5]), Int(b[6]), us, fold: Int(b[2] >> 7), tz: tz)
            return PickleDateTime(date: date, time: time)
        }
        guard argv.count >= 3, argv.count <= 8 else { return nil }
        var ints: [Int] = []
        var tz: PickleRef?
        for (i, a) in argv.enumerated() {
            if i == 7 { tz = try tzinfoArgument(a); break }
            guard let v = intArgument(a) else { return nil }
            ints.append(v)
        }
        while ints.count < 7 { ints.append(0) }
        let date = try checkedDate(ints[0], ints[1], ints[2])
        return PickleDateTime(date: date, time: try checkedTime(ints[3], ints[4], ints[5], ints[6], fold: 0, tz: tz))
    }

    /// `date(state)`: year (2 bytes), month, day — or `date(y, m, d)`.
    func makeDate(_ argv: [PickleRef]) throws(PickleError) -> PickleDate? {
        if argv.count == 1, let b = stateBytes(argv[0]) {
            guard b.count == 4 else { return nil }
            return try checkedDate(Int(b[0]) << 8 | Int(b[1]), Int(b[2]), Int(b[3]))
        }
        guard argv.count == 3, let y = intArgument(argv[0]), let m = intArgument(argv[1]), let d = intArgument(argv[2]) else { return nil }
        return try checkedDate(y, m, d)
    }

    /// `time(state[, tzinfo])`: hour (bit 7 = fold), minute, second, µs (3 bytes) — or `time(h, m, s, us, tz)`.
    func makeTime(_ argv: [PickleRef]) throws(PickleError) -> PickleTime? {
        if argv.count >= 1, argv.count <= 2, let b = stateBytes(argv[0]) {
            guard b.count == 6 else { return nil }
            let tz = argv.count == 2 ? try tzinfoArgument(argv[1]) : nil
            let us = Int(b[3]) << 16 | Int(b[4]) << 8 | Int(b[5])
            return try checkedTime(Int(b[0] & 0x7F), Int(b[1]), Int(b[2]), us, fold: Int(b[0] >> 7), tz: tz)
        }
        guard argv.count <= 5 else { return nil }
        var ints: [Int] = []
        var tz: PickleRef?
        for (i, a) in argv.enumerated() {
            if i == 4 { tz = try tzinfoArgument(a); break }
            guard let v = intArgument(a) else { return nil }
            ints.append(v)
        }
        while ints.count < 4 { ints.append(0) }
        return try checkedTime(ints[0], ints[1], ints[2], ints[3], fold: 0, tz: tz)
    }

    /// `timedelta(days, seconds, microseconds)`, normalized as Python does (overflow-checked).
    func makeTimedelta(_ argv: [PickleRef]) throws(PickleError) -> PickleTimedelta? {
        guard argv.count <= 3 else { return nil }
        var parts = [0, 0, 0]
        for (i, a) in argv.enumerated() {
            guard let v = intArgument(a) else { return nil }
            parts[i] = v
        }
        return try normalizedTimedelta(days: parts[0], seconds: parts[1], microseconds: parts[2])
    }

    func normalizedTimedelta(days: Int, seconds: Int, microseconds: Int) throws(PickleError) -> PickleTimedelta {
        let (carrySeconds, us) = Self.floorDivMod(microseconds, 1_000_000)
        let (s0, o1) = seconds.addingReportingOverflow(carrySeconds)
        let (carryDays, s) = Self.floorDivMod(s0, 86_400)
        let (d, o2) = days.addingReportingOverflow(carryDays)
        guard !o1, !o2, d >= -999_999_999, d <= 999_999_999 else { throw fail(.badValue, "timedelta out of range") }
        return PickleTimedelta(days: d, seconds: s, microseconds: us)
    }

    /// Python's `divmod` for a positive divisor, without overflow for any `a`.
    static func floorDivMod(_ a: Int, _ b: Int) -> (Int, Int) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    func timedelta(minutes: Int64) throws(PickleError) -> PickleTimedelta {
        guard let m = Int(exactly: minutes), m.magnitude < 1 << 40 else { throw fail(.badValue, "time zone offset out of range") }
        return try normalizedTimedelta(days: 0, seconds: m * 60, microseconds: 0)
    }

    /// `timezone(offset[, name])`: strictly within ±24 hours, as CPython checks.
    func makeTimezone(_ argv: [PickleRef]) throws(PickleError) -> PickleTimezone? {
        guard argv.count == 1 || argv.count == 2, case .timedelta(let offset) = st[argv[0]] else { return nil }
        var name: String?
        if argv.count == 2 {
            switch st[argv[1]] {
            case .string(let s): name = s
            case .py2String(let b): name = b.text
            default: return nil
            }
        }
        let inRange = offset.days == 0 || (offset.days == -1 && (offset.seconds > 0 || offset.microseconds > 0))
        guard inRange else { throw fail(.badValue, "timezone offset not within 24 hours") }
        return PickleTimezone(offset: offset, name: name)
    }

    /// `psycopg2.tz.FixedOffsetTimezone(offset_minutes_or_timedelta=None, name=None)`.
    func makeFixedOffset(_ g: PickleGlobal, _ argv: [PickleRef]) throws(PickleError) -> PickleTimezone? {
        guard argv.count <= 2 else { return nil }
        var tz = PickleTimezone(offset: PickleTimedelta(days: 0, seconds: 0, microseconds: 0), origin: g)
        if argv.count >= 1 {
            switch st[argv[0]] {
            case .none: break
            case .int(let minutes): tz.offset = try timedelta(minutes: minutes)
            case .timedelta(let td): tz.offset = td
            default: return nil
            }
        }
        if argv.count == 2 {
            switch st[argv[1]] {
            case .none: break
            case .string(let s): tz.name = s
            case .py2String(let b): tz.name = b.text
            default: return nil
            }
        }
        return tz
    }
}
