extension TOMLScanner {
    /// Integers (decimal, `0x`, `0o`, `0b`, underscores between digits), floats (fraction and/or
    /// exponent, `inf`, `nan`, signed). Date-time values are recognised only to reject them.
    mutating func parseNumber() throws(ConfigError) -> TOMLValue {
        let start = position
        var token: [UInt8] = []
        while let b = peek(), Self.isNumberTokenByte(b) {
            token.append(b)
            advance()
        }
        if Self.looksLikeDateOrTime(token) {
            throw error(.unsupported, "date and time values are not supported by this configuration", at: start)
        }
        if let value = Self.integer(token) { return .integer(value) }
        if let value = Self.float(token) { return .float(value) }
        if Self.isDecimalIntegerSyntax(token) || Self.isRadixIntegerSyntax(token) {
            throw error(.invalidValue, "integer out of the 64-bit range", at: start)
        }
        throw error(.syntax, "malformed number (or a string without quotes)", at: start)
    }

    private static func isNumberTokenByte(_ b: UInt8) -> Bool {
        isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// `1979-05-27`, `07:32:00` and everything starting like them.
    private static func looksLikeDateOrTime(_ t: [UInt8]) -> Bool {
        if t.count >= 5, t[0..<4].allSatisfy(isDigit), t[4] == UInt8(ascii: "-") { return true }
        if t.count >= 3, t[0..<2].allSatisfy(isDigit), t[2] == UInt8(ascii: ":") { return true }
        return false
    }

    /// Digits with single underscores only between digits; at least one digit.
    private static func digitsWithUnderscores(_ t: ArraySlice<UInt8>, isDigit: (UInt8) -> Bool) -> [UInt8]? {
        guard let first = t.first, let last = t.last, isDigit(first), isDigit(last) else { return nil }
        var out: [UInt8] = []
        var previousUnderscore = false
        for b in t {
            if b == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
            } else if isDigit(b) {
                out.append(b)
                previousUnderscore = false
            } else {
                return nil
            }
        }
        return out
    }

    /// Optional sign, then `0` or a digit string without a leading zero. Returns sign and digits.
    private static func decimalDigits(_ t: ArraySlice<UInt8>) -> (negative: Bool, digits: [UInt8])? {
        var t = t
        var negative = false
        if let s = t.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            negative = s == UInt8(ascii: "-")
            t = t.dropFirst()
        }
        guard let digits = digitsWithUnderscores(t, isDigit: isDigit) else { return nil }
        if digits.count > 1 && digits[0] == UInt8(ascii: "0") { return nil }
        return (negative, digits)
    }

    private static func isDecimalIntegerSyntax(_ t: [UInt8]) -> Bool { decimalDigits(t[...]) != nil }

    private static func radix(_ t: [UInt8]) -> (radix: Int64, digits: [UInt8])? {
        guard t.count > 2, t[0] == UInt8(ascii: "0") else { return nil }
        let radix: Int64
        let valid: (UInt8) -> Bool
        switch t[1] {
        case UInt8(ascii: "x"):
            radix = 16
            valid = { hexDigit($0) != nil }
        case UInt8(ascii: "o"):
            radix = 8
            valid = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }
        case UInt8(ascii: "b"):
            radix = 2
            valid = { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }
        default:
            return nil
        }
        guard let digits = digitsWithUnderscores(t[2...], isDigit: valid) else { return nil }
        return (radix, digits)
    }

    private static func isRadixIntegerSyntax(_ t: [UInt8]) -> Bool { radix(t) != nil }

    static func integer(_ t: [UInt8]) -> Int64? {
        if let (radix, digits) = radix(t) {
            var value: Int64 = 0
            for d in digits {
                let (m, o1) = value.multipliedReportingOverflow(by: radix)
                let (a, o2) = m.addingReportingOverflow(Int64(hexDigit(d)!))
                if o1 || o2 { return nil }
                value = a
            }
            return value
        }
        guard let (negative, digits) = decimalDigits(t[...]) else { return nil }
        return Int64((negative ? "-" : "") + String(decoding: digits, as: UTF8.self))
    }

    static func float(_ t: [UInt8]) -> Double? {
        var body = t[...]
        var sign = ""
        if let s = body.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            sign = s == UInt8(ascii: "-") ? "-" : ""
            body = body.dropFirst()
        }
        switch String(decoding: body, as: UTF8.self) {
        case "inf": return sign == "-" ? -.infinity : .infinity
        case "nan": return sign == "-" ? -Double.nan : .nan
        default: break
        }
        // integer part, optional .fraction, optional e[+-]exponent; at least one of the latter two.
        let expIndex = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = expIndex.map { body[body.startIndex..<$0] } ?? body
        let dot = mantissa.firstIndex(of: UInt8(ascii: "."))
        let intPart = dot.map { mantissa[mantissa.startIndex..<$0] } ?? mantissa
        guard let first = intPart.first, isDigit(first), let intDigits = decimalDigits(intPart) else { return nil }
        var text = sign + String(decoding: intDigits.digits, as: UTF8.self)
        if let dot {
            guard let frac = digitsWithUnderscores(mantissa[(dot + 1)...], isDigit: isDigit) else { return nil }
            text += "." + String(decoding: frac, as: UTF8.self)
        }
        if let expIndex {
            var exp = body[(expIndex + 1)...]
            var expSign = ""
            if let s = exp.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                expSign = s == UInt8(ascii: "-") ? "-" : ""
                exp = exp.dropFirst()
            }
            guard let expDigits = digitsWithUnderscores(exp, isDigit: isDigit) else { return nil }
            text += "e" + expSign + String(decoding: expDigits, as: UTF8.self)
        }
        guard dot != nil || expIndex != nil else { return nil }
        return Double(text)
    }
}
