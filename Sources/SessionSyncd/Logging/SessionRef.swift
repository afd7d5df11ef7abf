/// What the logs say instead of a session id.
///
/// A session id is a bearer credential: whoever has it is logged in as that user. Logs
/// (journald, log shippers, support tickets) are read by more people than the database,
/// so the daemon never writes the id itself, only this reference: the first 12 hex
/// digits of SHA-256 of the id's UTF-8 bytes, trailing spaces removed (CHAR(n) padding).
/// It is stable (same session, same reference, in every run and every database) and,
/// for random session ids such as web.py's, cannot be turned back into the id.
///
/// An operator finds the row with PostgreSQL's own `sha256()` (docs/daemon.md, "Logs"):
///
///     SELECT session_id FROM sessions
///     WHERE left(encode(sha256(convert_to(rtrim(session_id), 'UTF8')), 'hex'), 12) = '<ref>';
///
/// The errors table keeps the real id: it is in the database, under the same access control as the sessions.
struct SessionRef: Sendable, Hashable, CustomStringConvertible {
    /// Hex digits kept (48 bits).
    static let length = 12

    /// The reference, `length` lowercase hex digits.
    let description: String

    /// The reference of a session id.
    /// - Parameter sessionID: the id as stored or as read (`::text`); trailing spaces are ignored.
    init(_ sessionID: String) {
        let digest = SHA256.hash(Self.normalized(sessionID).utf8)
        let hex: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(Self.length)
        for b in digest.prefix(Self.length / 2) {
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0x0f)])
        }
        description = s
    }

    /// The id without trailing spaces (U+0020 only), as PostgreSQL's `rtrim(text)` and the
    /// CHAR(n) to text cast remove them, so the reference is the same whatever the key type.
    static func normalized(_ sessionID: String) -> Substring {
        var end = sessionID.endIndex
        while end > sessionID.startIndex {
            let before = sessionID.index(before: end)
            guard sessionID[before] == " " else { break }
            end = before
        }
        return sessionID[..<end]
    }
}
