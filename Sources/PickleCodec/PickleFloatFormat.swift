/// Python's `repr(float)`.
public enum PickleFloatFormat {
    /// `repr(d)` as Python 3 prints it: shortest round-trip digits, exponent form
    /// when the decimal point position is ≤ -4 or > 16, `.0` on integral values,
    /// `nan`/`inf`/`-inf` for non-finite values.
    public static func repr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let sign = d.sign == .minus ? "-" : ""
        if d == 0 { return sign + "0.0" }
        let (digits, decpt) = shortestDigits(d.magnitude)
        let n = digits.count
        var s = sign
        if decpt <= -4 || decpt > 16 {
            s.unicodeScalars.append(Unicode.Scalar(digits[0]))
            if n > 1 {
                s += "."
                s += String(decoding: digits[1...], as: UTF8.self)
            }
            let e = decpt - 1
            s += e < 0 ? "e-" : "e+"
            let mag = String(e.magnitude)
            if mag.count < 2 { s += "0" }
            s += mag
        } else if decpt <= 0 {
            s += "0." + String(repeating: "0", count: -decpt) + String(decoding: digits, as: UTF8.self)
        } else if decpt >= n {
            s += String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: decpt - n) + ".0"
        } else {
            s += String(decoding: digits[..<decpt], as: UTF8.self) + "." + String(decoding: digits[decpt...], as: UTF8.self)
        }
        return s
    }

    /// Shortest round-trip digits (no leading/trailing zeros) and the count of
    /// digits before the decimal point, taken from Swift's `description`, which
    /// is the shortest correctly rounded round-trip form, like Python's.
    static func shortestDigits(_ d: Double) -> ([UInt8], Int) {
        let text = Array(d.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == 0x65 || $0 == 0x45 }) {
            mantissa = text[..<e]
            var expText = text[(e + 1)...]
            var negative = false
            if let f = expText.first, f == 0x2B || f == 0x2D { negative = f == 0x2D; expText = expText.dropFirst() }
            for c in expText { exponent = exponent * 10 + Int(c - 0x30) }
            if negative { exponent = -exponent }
        }
        var digits: [UInt8] = []
        var intCount = 0
        var seenPoint = false
        for c in mantissa {
            if c == 0x2E { seenPoint = true; continue }
            digits.append(c)
            if !seenPoint { intCount += 1 }
        }
        var decpt = intCount + exponent
        var lead = 0
        while lead < digits.count - 1 && digits[lead] == 0x30 { lead += 1 }
        digits.removeFirst(lead)
        decpt -= lead
        while digits.count > 1 && digits.last == 0x30 { digits.removeLast() }
        return (digits, decpt)
    }
}
