import Logging
import PGListen

/// Compares the target table with a fresh decode of every session.
struct Verifier: Sendable {
    let pipeline: SyncPipeline

    /// The counts `verify` prints.
    struct Report: Sendable, Equatable {
        var sessions = 0
        /// No target row.
        var missing = 0
        /// A target row whose hash, mapping or values differ from a fresh decode.
        var stale = 0
        /// Target rows without a session (possible only with the foreign key bypassed).
        var orphaned = 0
        /// Sessions with rows in the errors table.
        var withErrors = 0
        /// Sessions whose data column is NULL (part of `sessions`; in sync when their row holds NULLs).
        var nullData = 0

        var inSync: Int { sessions - missing - stale }
        var ok: Bool { missing == 0 && stale == 0 && orphaned == 0 }
    }

    /// SQL counting missing and stale rows of a batch of fresh decodes (same parameters as the upsert).
    var compareSQL: String {
        let schema = pipeline.schema
        let columns = pipeline.columns
        let n = columns.count
        var s = "WITH v AS (SELECT * FROM unnest($1::text[], $2::bytea[]"
        for i in 0..<n { s += ", $\(i + 4)::text[]" }
        s += ") AS v(k, h" + (0..<n).map { ", c\($0)" }.joined() + "))\n"
        var differs = ["f.data_hash IS DISTINCT FROM v.h", "f.mapping_hash IS DISTINCT FROM $3::bytea"]
        for (i, c) in columns.enumerated() {
            var expected = c.cast("v.c\(i)")
            if let ref = c.mapping.references {
                expected = "CASE WHEN v.c\(i) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(SQLIdentifier.quoteQualified(ref.table)) r"
                    + " WHERE r.\(SQLIdentifier.quote(ref.column)) = \(expected)) THEN NULL ELSE \(expected) END"
            }
            let column = "f.\(SQLIdentifier.quote(c.mapping.name))"
            // NULL because the index refused the value (SyncPipeline+IndexOverflow), with its error: in sync.
            let refused = "\(column) IS NULL AND EXISTS (SELECT 1 FROM \(schema.errors) e WHERE e.\(schema.key) = f.\(schema.key)"
                + " AND e.column_name = \(GuardedUpsert.literal(c.mapping.name)) AND e.reason LIKE 'over-long: too big for the column''s btree index%')"
            differs.append("(\(column) IS DISTINCT FROM \(expected) AND NOT (\(refused)))")
        }
        s += "SELECT count(*) FILTER (WHERE f.\(schema.key) IS NULL),\n"
        s += "       count(*) FILTER (WHERE f.\(schema.key) IS NOT NULL AND (" + differs.joined(separator: " OR ") + "))\n"
        s += "FROM v LEFT JOIN \(schema.target) f ON f.\(schema.key) = v.k::\(schema.keyType)"
        return s
    }

    /// Walks every session in key order.
    /// - Parameters:
    ///   - connection: the query connection.
    ///   - pageSize: sessions per page.
    func verify(on connection: PGConnection, pageSize: Int) async throws(PGError) -> Report {
        var report = Report()
        let sql = compareSQL
        var after: String? = nil
        while true {
            let rows = try await pipeline.reader.page(after: after, limit: pageSize, onlyOutOfSync: false,
                                                      mappingHash: pipeline.mappingHash, on: connection)
            if rows.isEmpty { break }
            let decoded = rows.map(pipeline.decoder.decode)
            let params = Array(pipeline.upsert.parameters(for: decoded, mappingHash: pipeline.mappingHash).prefix(3 + pipeline.columns.count))
            let r = try await connection.query(sql, params)
            report.sessions += rows.count
            report.nullData += rows.filter { $0.data == nil }.count
            report.missing += Int(r[0, 0] ?? "") ?? 0
            report.stale += Int(r[0, 1] ?? "") ?? 0
            if rows.count < pageSize { break }
            after = rows.last?.key
        }
        let schema = pipeline.schema
        let o = try await connection.query("""
            SELECT (SELECT count(*) FROM \(schema.target) f WHERE NOT EXISTS (SELECT 1 FROM \(schema.source) s WHERE s.\(schema.key) = f.\(schema.key))),
                   (SELECT count(DISTINCT \(schema.key)) FROM \(schema.errors))
            """)
        report.orphaned = Int(o[0, 0] ?? "") ?? 0
        report.withErrors = Int(o[0, 1] ?? "") ?? 0
        return report
    }
}
