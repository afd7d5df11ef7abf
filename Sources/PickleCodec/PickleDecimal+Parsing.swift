extension PickleDecimal {
    /// `str(Decimal(text))`: parses Python's Decimal syntax and prints it as
    /// `Decimal.__str__` does, keeping coefficient and exponent (1.10 stays 1.10).
    ///
    /// For the strings pickles carry (`str(d)` itself) this is the identity.
    /// Returns nil for text `Decimal()` would reject.
    public init?(parsing text: String) {
        if Self.isPlainCanonical(text) { self.init(text); return }
        var s = Array(text.utf8)
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        while let f = s.first, space.contains(f) { s.removeFirst() }
        while let l = s.last, space.contains(l) { s.removeLast() }
        // Underscores are allowed between digits only.
        var cleaned: [UInt8] = []
        for (i, c) in s.enumerated() {
            if c == 0x5F {
                guard i > 0, i + 1 < s.count, Self.isDigit(s[i - 1]), Self.isDigit(s[i + 1]) else { return nil }
                continue
            }
            cleaned.append(c)
        }
        s = cleaned
        var sign = ""
        if let f = s.first, f == 0x2B || f == 0x2D {
            if f == 0x2D { sign = "-" }
            s.removeFirst()
        }
        let lower = String(decoding: s.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if lower == "inf" || lower == "infinity" { self.init(sign + "Infinity"); return }
        for (prefix, name) in [("snan", "sNaN"), ("nan", "NaN")] where lower.hasPrefix(prefix) {
            let payload = lower.utf8.dropFirst(prefix.utf8.count)
            guard payload.allSatisfy(Self.isDigit) else { return nil }
            let trimmed = String(decoding: payload.drop { $0 == 0x30 }, as: UTF8.self)
            self.init(sign + name + trimmed)
            return
        }
        var i = 0
        var intDigits: [UInt8] = []
        var fracDigits: [UInt8] = []
        while i < s.count, Self.isDigit(s[i]) { intDigits.append(s[i]); i += 1 }
        if i < s.count, s[i] == 0x2E {
            i += 1
            while i < s.count, Self.isDigit(s[i]) { fracDigits.append(s[i]); i += 1 }
        }
        guard !intDigits.isEmpty || !fracDigits.isEmpty else { return nil }
        var exponent = 0
        if i < s.count, s[i] == 0x65 || s[i] == 0x45 {
            i += 1
            var negative = false
            if i < s.count, s[i] == 0x2B || s[i] == 0x2D { negative = s[i] == 0x2D; i += 1 }
            var any = false
            while i < s.count, Self.isDigit(s[i]) {
                let (m, o1) = exponent.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(s[i] - 0x30))
                guard !o1, !o2, a < 1 << 60 else { return nil }
                exponent = a
                any = true
                i += 1
            }
            guard any else { return nil }
            if negative { exponent = -exponent }
        }
        guard i == s.count else { return nil }
        let (exp, overflow) = exponent.subtractingReportingOverflow(fracDigits.count)
        guard !overflow else { return nil }
        var coefficient = Array((intDigits + fracDigits).drop { $0 == 0x30 })
        if coefficient.isEmpty { coefficient = [0x30] }
        self.init(sign + Self.format(coefficient: coefficient, exponent: exp))
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// `Decimal.__str__` (scientific notation when the exponent is positive or the value is tiny).
    private static func format(coefficient: [UInt8], exponent: Int) -> String {
        let digits = String(decoding: coefficient, as: UTF8.self)
        let leftDigits = exponent + coefficient.count
        let dotPlace = (exponent <= 0 && leftDigits > -6) ? leftDigits : 1
        var intPart: String
        var fracPart = ""
        if dotPlace <= 0 {
            intPart = "0"
            fracPart = "." + String(repeating: "0", count: -dotPlace) + digits
        } else if dotPlace >= coefficient.count {
            intPart = digits + String(repeating: "0", count: dotPlace - coefficient.count)
        } else {
            intPart = String(digits.prefix(dotPlace))
            fracPart = "." + String(digits.dropFirst(dotPlace))
        }
        if leftDigits != dotPlace {
            let e = leftDigits - dotPlace
            intPart += fracPart + "E" + (e >= 0 ? "+" : "") + String(e)
            return intPart
        }
        return intPart + fracPart
    }

    /// True when `str(Decimal(text)) == text` because `text` is plain notation as `__str__` prints it:
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, where after a `0` integer part at most 5 fraction digits follow
    /// (so fewer than 6 leading fraction zeros, below which `__str__` switches to exponent notation).
    static func isPlainCanonical(_ text: String) -> Bool { isPlainCanonical(bytes: text.utf8) }

    /// ``isPlainCanonical(_:)`` on UTF-8 bytes.
    static func isPlainCanonical<S: Sequence<UInt8>>(bytes: S) -> Bool {
        var u = bytes.makeIterator()
        guard var c = u.next() else { return false }
        if c == 0x2D { guard let n = u.next() else { return false }; c = n }
        guard isDigit(c) else { return false }
        let zeroInteger = c == 0x30
        var fraction = -1  // digits after the point; -1 before it
        while let n = u.next() {
            if n == 0x2E {
                guard fraction < 0 else { return false }
                fraction = 0
            } else if isDigit(n) {
                if fraction >= 0 { fraction += 1 } else if zeroInteger { return false }
            } else {
                return false
            }
        }
        if fraction == 0 { return false }
        if zeroInteger && fraction > 5 { return false }
        return true
    }
}
