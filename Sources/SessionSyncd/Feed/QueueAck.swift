import PGListen

/// The queue entries a batch claimed, by session: what its write transaction deletes.
///
/// An entry is deleted only by the transaction that writes its session's row (or its error
/// rows), so a daemon killed mid-batch leaves it for the next. Entries are deleted by id, never
/// by session: an entry a writer adds while the batch runs has a new id and stays.
struct QueueAck: Sendable, Equatable {
    /// `DELETE FROM <queue> WHERE id = ANY($1::bigint[])`.
    let deleteSQL: String
    /// Entry ids per session id (as text, as the reader returns keys).
    var ids: [String: [Int64]]

    /// The delete for the entries of `keys`, nil if they have none.
    func statement(for keys: some Sequence<String>) -> (sql: String, params: [PGValue?])? {
        let chosen = keys.flatMap { ids[$0] ?? [] }
        guard !chosen.isEmpty else { return nil }
        return (deleteSQL, [.textArray(chosen.map { String($0) })])
    }

    /// The entries of sessions other than `keys` (sessions with no row: deleted since).
    func remaining(after keys: some Sequence<String>) -> QueueAck {
        var rest = self
        for k in keys { rest.ids[k] = nil }
        return rest
    }

    /// True if no entry is left.
    var isEmpty: Bool { ids.values.allSatisfy(\.isEmpty) }
}
