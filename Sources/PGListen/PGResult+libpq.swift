import CLibPQ

/// What one PGresult turned out to be, after copying it out and freeing it.
enum PGResultOutcome {
    case rows(PGResult)
    case failure(PGError)
    case pipelineSync
    case pipelineAborted
    /// COPY and other states we never start; the connection is out of sync.
    case unexpected(String)
}

extension PGResult {
    /// Copies everything out of `result` and frees it. This is the only PQclear call
    /// in PGListen, so a PGresult can neither leak nor be freed twice.
    /// - Parameters:
    ///   - result: a PGresult from PQgetResult; owned (and freed) by this call.
    ///   - statement: the SQL text, attached to errors.
    ///   - connectionBad: whether the connection is unusable (PQstatus == CONNECTION_BAD).
    static func take(_ result: OpaquePointer, statement: String?, connectionBad: Bool) -> PGResultOutcome {
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch ssd_pipeline_status_kind(status) {
        case 1: return .pipelineSync
        case 2: return .pipelineAborted
        default: break
        }
        if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY
            || status == PGRES_SINGLE_TUPLE
        {
            return .rows(copyRows(result))
        }
        if status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR || status == PGRES_FATAL_ERROR {
            return .failure(PGError.fromResult(result, statement: statement, connectionBad: connectionBad))
        }
        return .unexpected(String(cString: PQresStatus(status)))
    }

    private static func copyRows(_ result: OpaquePointer) -> PGResult {
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        var names: [String] = []
        var types: [UInt32] = []
        names.reserveCapacity(columns)
        for c in 0..<columns {
            names.append(PQfname(result, Int32(c)).map { String(cString: $0) } ?? "")
            types.append(PQftype(result, Int32(c)))
        }
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        offsets.reserveCapacity(rows * columns)
        lengths.reserveCapacity(rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                offsets.append(storage.count)
                if PQgetisnull(result, Int32(r), Int32(c)) != 0 {
                    lengths.append(-1)
                    continue
                }
                let length = PQgetlength(result, Int32(r), Int32(c))
                lengths.append(length)
                if length > 0, let value = PQgetvalue(result, Int32(r), Int32(c)) {
                    value.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                        storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                    }
                }
            }
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) }
        return PGResult(
            columnNames: names, columnTypes: types, rowCount: rows, commandTag: tag,
            rowsAffected: affected, storage: storage, offsets: offsets, lengths: lengths)
    }
}

extension PGError {
    /// Diagnostic field codes (PG_DIAG_* are char macros in libpq-fe.h / postgres_ext.h).
    enum Field {
        static let severityNonLocalized = Int32(UInt8(ascii: "V"))
        static let severity = Int32(UInt8(ascii: "S"))
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let primary = Int32(UInt8(ascii: "M"))
        static let detail = Int32(UInt8(ascii: "D"))
        static let hint = Int32(UInt8(ascii: "H"))
    }

    /// SQLSTATEs after which the session is gone: class 08 (connection exception),
    /// 57P01..57P05 (admin/crash shutdown, cannot connect now, idle session timeout).
    static func isConnectionSQLState(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    /// Builds an error from an error PGresult (does not free it).
    static func fromResult(_ result: OpaquePointer, statement: String?, connectionBad: Bool) -> PGError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(Field.sqlState)
        let severity = field(Field.severityNonLocalized) ?? field(Field.severity)
        var message = field(Field.primary)
            ?? PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
        message = message.trimmingTrailingNewlines()
        let fatal = severity == "FATAL" || severity == "PANIC"
        let lost = connectionBad || fatal || isConnectionSQLState(sqlState)
        return PGError(
            lost ? .connectionLost : .queryFailed, message, sqlState: sqlState, severity: severity,
            detail: field(Field.detail), hint: field(Field.hint), statement: statement,
            isConnectionError: lost)
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
