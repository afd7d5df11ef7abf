/// Keeps secrets out of the log: a metadata value whose (dotted) key mentions a password, a conninfo
/// or a DSN is replaced by `[redacted]`, whatever the caller passed.
enum LogRedaction {
    /// Replacement text.
    static let placeholder = "[redacted]"

    /// Lowercase fragments of keys whose values are never written.
    static let sensitiveFragments = ["password", "passwd", "conninfo", "dsn", "secret"]

    /// True if the value under `key` must not be written.
    static func isSensitive(key: String) -> Bool {
        let lower = key.lowercased()
        return sensitiveFragments.contains { lower.contains($0) }
    }
}
