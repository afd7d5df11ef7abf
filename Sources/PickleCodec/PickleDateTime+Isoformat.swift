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
    /// Expects a normalized timedelta (seconds and microseconds in range); never traps.
    var offsetText: String {
        // Python negates a negative offset, then splits hours, minutes, seconds, microseconds.
        var d = days, s = min(max(seconds, 0), 86_399), us = min(max(microseconds, 0), 999_999)
        var sign = "+"
        if d < 0 {
            sign = "-"
            // -(d, s, us) with s in 0..<86400 and us in 0..<1e6, without overflow.
            let borrowUS = us > 0 ? 1 : 0
            us = borrowUS == 1 ? 1_000_000 - us : 0
            let secondsTotal = s + borrowUS
            d = -(d + 1)
            s = 86_400 - secondsTotal
            if s == 86_400 { s = 0; d = d == .max ? d : d + 1 }
        }
        let (dayHours, overflow) = d.multipliedReportingOverflow(by: 24)
        let (sum, overflow2) = dayHours.addingReportingOverflow(s / 3600)
        let hh = overflow || overflow2 ? Int.max : sum
        let mm = s % 3600 / 60, ss = s % 60
        var text = sign + PickleDate.pad(hh, 2) + ":" + PickleDate.pad(mm, 2)
        if ss != 0 || us != 0 {
            text += ":" + PickleDate.pad(ss, 2)
            if us != 0 { text += "." + PickleDate.pad(us, 6) }
        }
        return text
    }
}
