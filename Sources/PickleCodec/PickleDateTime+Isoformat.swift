extension PickleDate {
    /// `date.isoformat()`: `YYYY-MM-DD`.
    public var isoformat: String {
        Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension PickleTime {
    /// `time.isoformat()`: `HH:MM:SS[.ffffff][+HH:MM[:SS[.ffffff]]]`.
    /// - Parameter utcOffset: the tzinfo's offset (see ``PickleDocument/utcOffset(of:)``), nil when naive.
    public func isoformat(utcOffset: PickleTimedelta?) -> String {
        var s = PickleDate.pad(hour, 2) + ":" + PickleDate.pad(minute, 2) + ":" + PickleDate.pad(second, 2)
        if microsecond != 0 { s += "." + PickleDate.pad(microsecond, 6) }
        if let utcOffset { s += utcOffset.offsetText }
        return s
    }
}

extension PickleDateTime {
    /// `datetime.isoformat()`: date, `T`, time, offset when aware.
    /// - Parameter utcOffset: the tzinfo's offset, nil when naive.
    public func isoformat(utcOffset: PickleTimedelta?) -> String {
        date.isoformat + "T" + time.isoformat(utcOffset: utcOffset)
    }
}

extension PickleTimedelta {
    /// True when strictly between -24 and +24 hours, as Python requires of a UTC offset.
    var isValidUTCOffset: Bool {
        days == 0 || (days == -1 && (seconds > 0 || microseconds > 0))
    }

    /// Python's `_format_offset`: `+HH:MM`, then `:SS` and `.ffffff` only when nonzero.
    /// Valid for offsets within ±24 hours.
    var offsetText: String {
        var total = (days * 86_400 + seconds) * 1_000_000 + microseconds
        var sign = "+"
        if days < 0 { sign = "-"; total = -total }
        let us = total % 1_000_000
        let secondsTotal = total / 1_000_000
        let hh = secondsTotal / 3600, mm = secondsTotal % 3600 / 60, ss = secondsTotal % 60
        var s = sign + PickleDate.pad(hh, 2) + ":" + PickleDate.pad(mm, 2)
        if ss != 0 || us != 0 {
            s += ":" + PickleDate.pad(ss, 2)
            if us != 0 { s += "." + PickleDate.pad(us, 6) }
        }
        return s
    }
}
