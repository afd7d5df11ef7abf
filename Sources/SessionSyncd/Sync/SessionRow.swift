/// One row of the source table as the daemon reads it.
struct SessionRow: Sendable, Equatable {
    /// The session id as text (CHAR(n) without its padding).
    var key: String
    /// The data column's bytes (base64 text, or a raw pickle); nil for SQL NULL.
    var data: [UInt8]?
    /// sha256 of the data as PostgreSQL computed it (`session_syncd.data_hash`).
    var hash: [UInt8]
}
