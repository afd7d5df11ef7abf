/// What the logs say instead of a session id.
///
/// A session id is a bearer credential: whoever has it is logged in as that user. Logs
/// (journald, log shippers, support tickets) are read by more people than the database,
/// so the daemon never writes the id itself, only this reference: the first 12 hex
/// digits of SHA-256 of the UTF-8 bytes of the id as PostgreSQL's `::text` gives it. Every id
/// the daemon sees comes through that cast (reads, NOTIFY payloads, queue entries), which drops
/// the padding of a CHAR(n) key and keeps every byte of a TEXT or VARCHAR key: `tsp` and
/// `tsp   ` are two sessions of a TEXT key, and get two references.
/// It is stable (same session, same reference, in every run and every database) and,
/// for random session ids such as web.py's, cannot be turned back into the id.
///
/// An operator finds the row with PostgreSQL's own `sha256()` (docs/daemon.md, "Logs"):
///
///     SELECT session_id FROM sessions
///     WHERE left(encode(sha256(convert_to(session_id::text, 'UTF8')), 'hex'), 12) = '<ref>';
///
/// The errors table keeps the real id: it is in the database, under the same access control as the sessions.
struct SessionRef: Sendable, Hashable, CustomStringConvertible {
    /// Hex digits kept (48 bits).
    static let length = 12

    /// The reference, `length` lowercase hex digits.
    let description: String

    /// The reference of a session id.
    /// - Parameter sessionID: the id as read (`::text`), every character counted.
    init(_ sessionID: String) {
        let digest = SHA256.hash(sessionID.utf8)
        let hex: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(Self.length)
        for b in digest.prefix(Self.length / 2) {
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0x0f)])
        }
        description = s
    }
}
