/// The shape of a decimal number literal as PostgreSQL's numeric and float8 inputs accept it:
/// `[+-] digits [. digits] [(e|E) [+-] digits]`, at least one digit in the mantissa.
struct NumberLiteral: Sendable, Equatable {
    /// Digits before the point after applying the exponent (at least 0).
    var integerDigits: Int
    /// Digits after the point after applying the exponent (at least 0).
    var fractionDigits: Int
    /// True if any mantissa digit is not zero.
    var hasNonZeroDigit: Bool

    /// Parses `text`; nil if it is not such a literal (spaces, hex, words are rejected).
    /// - Parameter text: the candidate.
    init?(_ text: String) {
        let u = Array(text.utf8)
        guard !u.isEmpty, u.count <= 200_000 else { return nil }
        var i = 0
        if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
        var intDigits = 0, fracDigits = 0, nonZero = false
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        while i < u.count, isDigit(u[i]) { if u[i] != UInt8(ascii: "0") { nonZero = true }; intDigits += 1; i += 1 }
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            while i < u.count, isDigit(u[i]) { if u[i] != UInt8(ascii: "0") { nonZero = true }; fracDigits += 1; i += 1 }
        }
        guard intDigits + fracDigits > 0 else { return nil }
        var exponent = 0
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            var negative = false
            if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { negative = u[i] == UInt8(ascii: "-"); i += 1 }
            var expDigits = 0
            while i < u.count, isDigit(u[i]) {
                exponent = min(exponent * 10 + Int(u[i] - UInt8(ascii: "0")), 10_000_000)
                expDigits += 1; i += 1
            }
            guard expDigits > 0 else { return nil }
            if negative { exponent = -exponent }
        }
        guard i == u.count else { return nil }
        integerDigits = max(0, intDigits + exponent)
        fractionDigits = max(0, fracDigits - exponent)
        hasNonZeroDigit = nonZero
    }
}
