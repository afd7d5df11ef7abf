/// Validates the ISO 8601 forms Python's `isoformat()` writes:
/// `YYYY-MM-DD`, optionally `(T| )HH:MM[:SS[.f{1,6}]]`, optionally `Z` or `±HH:MM[:SS]`.
///
/// Dates must exist (February 30 is rejected as PostgreSQL would reject it).
struct ISOTimestamp: Sendable, Equatable {
    /// A time part is present.
    var hasTime: Bool
    /// A `Z` or `±HH:MM` suffix is present.
    var hasOffset: Bool

    /// Parses `text`; nil if it is not one of the accepted forms.
    /// - Parameter text: the candidate.
    init?(_ text: String) {
        let u = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in 0..<n {
                let b = u[i + k]
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int(b - UInt8(ascii: "0"))
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < u.count, u[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2) else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        hasTime = false
        hasOffset = false
        if i == u.count { return }
        guard u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(":"), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        if expect(":") {
            guard let second = digits(2), second < 60 else { return nil }
            if expect(".") {
                var n = 0
                while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") { n += 1; i += 1 }
                guard (1...6).contains(n) else { return nil }
            }
        }
        hasTime = true
        if i == u.count { return }
        if expect("Z") {
            hasOffset = true
        } else {
            guard u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") else { return nil }
            i += 1
            guard let oh = digits(2), expect(":"), let om = digits(2), oh < 24, om < 60 else { return nil }
            if expect(":") {
                guard let os = digits(2), os < 60 else { return nil }
            }
            hasOffset = true
        }
        guard i == u.count else { return nil }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
