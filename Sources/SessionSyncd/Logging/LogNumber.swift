/// A metadata value that is a number: written bare in logfmt and as a JSON number (not a string),
/// so `jq 'select(.["stats.lag_p99_ms"] > 50)'` compares numerically.
///
/// Plain `Int`/`Double` values passed as `.stringConvertible` are treated the same way.
struct LogNumber: CustomStringConvertible, Sendable, Equatable {
    /// JSON number text, e.g. `12` or `3.2`.
    let description: String

    /// An integer.
    init(_ value: Int) {
        description = String(value)
    }

    /// An already formatted decimal; must be JSON number syntax (digits, optional `-`, one `.`).
    init(formatted text: String) {
        description = text
    }
}
