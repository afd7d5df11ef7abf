/// A session ready to be written: one value (or NULL) per mapped column, and its problems.
struct DecodedSession: Sendable, Equatable {
    /// The session id.
    var key: String
    /// The hash of the data the values were decoded from (the upsert's guard).
    var hash: [UInt8]
    /// Text of each column's value in ``MappedColumn`` order; nil is SQL NULL.
    var values: [String?]
    /// Columns that are NULL because of bad data, and why.
    var problems: [ColumnProblem]
}
