/// Why one session value could not be stored in its column.
///
/// `reason` is fixed wording plus type names and limits, safe for logs;
/// `excerpt` is an abbreviation of the offending value and only ever goes to
/// the errors table (session contents are personal data: never logged).
struct ColumnProblem: Sendable, Equatable {
    /// Column of session_fields, or `$data` for a session that could not be decoded at all.
    var column: String
    /// What was wrong: "missing key", "wrong type: expected integer, got str", ...
    var reason: String
    /// The offending value, abbreviated; nil when there is none.
    var excerpt: String?

    /// Longest excerpt stored, in characters.
    static let maxExcerpt = 80

    /// Shortens a value for the errors table.
    /// - Parameter text: the value's text.
    static func abbreviate(_ text: String) -> String {
        let scalars = text.unicodeScalars.filter { $0 != "\u{0}" }
        if scalars.count <= maxExcerpt { return String(String.UnicodeScalarView(scalars)) }
        return String(String.UnicodeScalarView(scalars.prefix(maxExcerpt - 1))) + "…"
    }
}
