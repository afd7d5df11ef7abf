import PGListen

/// A value the converter let through that is still too big for its column's btree index
/// (SQLSTATE 54000, e.g. a numeric of thousands of random digits; text is bounded before, by
/// `ColumnConverter.indexedTextMaxBytes`): that column alone becomes NULL with an error, instead
/// of the whole session being written as rejected (issue 15 item 3).
extension SyncPipeline {
    /// The session with the column of the index named in `error` set to NULL and an over-long
    /// problem added; nil if `error` is not an index overflow of a mapped column holding a value.
    func withoutIndexOverflow(_ session: DecodedSession, _ error: PGError, on connection: PGConnection) async -> DecodedSession? {
        // "index row size 3016 exceeds btree version 4 maximum 2704 for index "session_fields_n_idx""
        guard error.sqlState == "54000", let start = error.message.range(of: "for index \""),
              let end = error.message[start.upperBound...].firstIndex(of: "\"") else { return nil }
        let index = String(error.message[start.upperBound..<end])
        guard let r = try? await connection.query("""
            SELECT a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = $1::regclass AND c.relname = $2 AND i.indnkeyatts = 1
            """, [.text(schema.target), .text(index)]),
              r.rowCount == 1, let name = r[0, 0],
              let i = columns.firstIndex(where: { $0.mapping.name == name }), let value = session.values[i] else { return nil }
        var fixed = session
        fixed.values[i] = nil
        fixed.problems.append(ColumnProblem(column: name, reason: "over-long: too big for the column's btree index (SQLSTATE 54000)",
                                            excerpt: ColumnProblem.abbreviate(value)))
        return fixed
    }
}
