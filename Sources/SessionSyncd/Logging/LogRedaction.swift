/// Keeps secrets out of the log: a metadata value whose (dotted) key mentions a password, a conninfo,
/// a DSN or a session id is replaced by `[redacted]`, whatever the caller passed. (A session id is a
/// bearer credential; the daemon logs ``SessionRef`` under `sync.session_ref` instead.)
enum LogRedaction {
    /// Replacement text.
    static let placeholder = "[redacted]"

    /// Lowercase fragments of keys whose values are never written.
    static let sensitiveFragments = ["password", "passwd", "conninfo", "dsn", "secret", "session_id", "sessionid"]

    /// True if the value under `key` must not be written.
    static func isSensitive(key: String) -> Bool {
        let lower = key.lowercased()
        return sensitiveFragments.contains { lower.contains($0) }
    }
}
