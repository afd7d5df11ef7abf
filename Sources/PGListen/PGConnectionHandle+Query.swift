import CLibPQ

/// Statements over the non-blocking send + poll() loop.
extension PGConnectionHandle {
    /// Parameters laid out for PQsendQueryParams / PQsendQueryPrepared.
    struct EncodedParameters: Sendable {
        var values: [PGValue.Encoded?]
        var count: Int32 { Int32(values.count) }

        init(_ parameters: [PGValue?]) throws(PGError) {
            guard parameters.count <= 65535 else {
                throw PGError(.invalidArgument, "too many parameters (\(parameters.count), at most 65535)")
            }
            var values: [PGValue.Encoded?] = []
            values.reserveCapacity(parameters.count)
            for p in parameters { values.append(try p?.encoded()) }
            self.values = values
        }

        /// Calls `body` with the (values, lengths, formats, types) arrays libpq wants.
        func withPointers<R>(
            _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Oid>?) -> R
        ) -> R {
            // One contiguous blob; the trailing byte keeps the base address non-nil so
            // that an empty binary value is still a non-NULL pointer.
            var blob: [UInt8] = []
            var offsets: [Int] = []
            var lengths: [Int32] = []
            var formats: [Int32] = []
            var types: [Oid] = []
            for v in values {
                if let v {
                    offsets.append(blob.count)
                    blob.append(contentsOf: v.bytes)
                    lengths.append(Int32(v.format == 1 ? v.bytes.count : v.bytes.count - 1))
                    formats.append(v.format)
                    types.append(v.type)
                } else {
                    offsets.append(-1)
                    lengths.append(0)
                    formats.append(0)
                    types.append(0)
                }
            }
            blob.append(0)
            return blob.withUnsafeBufferPointer { buffer in
                let base = UnsafeRawPointer(buffer.baseAddress!)
                let pointers: [UnsafePointer<CChar>?] = offsets.map {
                    $0 < 0 ? nil : (base + $0).assumingMemoryBound(to: CChar.self)
                }
                return pointers.withUnsafeBufferPointer { p in
                    lengths.withUnsafeBufferPointer { l in
                        formats.withUnsafeBufferPointer { f in
                            types.withUnsafeBufferPointer { t in
                                body(p.baseAddress, l.baseAddress, f.baseAddress, t.baseAddress)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Throws the error for a failed PQsend* call.
    func sendFailed(_ conn: OpaquePointer, statement: String?) -> PGError {
        if PQstatus(conn) == CONNECTION_BAD { return lostError("could not send the query") }
        let text = PQerrorMessage(conn).map { String(cString: $0) }?.trimmingTrailingNewlines() ?? ""
        return PGError(.queryFailed, text.isEmpty ? "could not send the query" : text, statement: statement)
    }

    /// One statement with parameters (extended protocol, text results).
    func queryParams(_ sql: String, _ parameters: EncodedParameters, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> PGResult {
        let conn = try open()
        let sent = parameters.withPointers { values, lengths, formats, types in
            PQsendQueryParams(conn, sql, parameters.count, types, values, lengths, formats, 0)
        }
        guard sent == 1 else { throw sendFailed(conn, statement: sql) }
        try flush(deadline: deadline, token: token)
        guard let result = try readAllResults(statement: sql, deadline: deadline, token: token) else {
            throw PGError(.protocolError, "the server returned no result", statement: sql, isConnectionError: true)
        }
        return result
    }

    /// A simple-protocol query string; may hold several statements.
    func simpleQuery(_ sql: String, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) {
        let conn = try open()
        guard PQsendQuery(conn, sql) == 1 else { throw sendFailed(conn, statement: sql) }
        try flush(deadline: deadline, token: token)
        try readAllResults(statement: sql, deadline: deadline, token: token)
    }

    func prepare(name: String, sql: String, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) {
        let conn = try open()
        guard PQsendPrepare(conn, name, sql, 0, nil) == 1 else { throw sendFailed(conn, statement: sql) }
        try flush(deadline: deadline, token: token)
        try readAllResults(statement: sql, deadline: deadline, token: token)
    }

    func executePrepared(name: String, _ parameters: EncodedParameters, deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> PGResult {
        let conn = try open()
        let label = "EXECUTE \(name)"
        let sent = parameters.withPointers { values, lengths, formats, _ in
            PQsendQueryPrepared(conn, name, parameters.count, values, lengths, formats, 0)
        }
        guard sent == 1 else { throw sendFailed(conn, statement: label) }
        try flush(deadline: deadline, token: token)
        guard let result = try readAllResults(statement: label, deadline: deadline, token: token) else {
            throw PGError(.protocolError, "the server returned no result", statement: label, isConnectionError: true)
        }
        return result
    }

    /// Whether no transaction block is open (so a batch needs its own).
    var isIdleOutsideTransaction: Bool {
        guard let conn else { return false }
        return PQtransactionStatus(conn) == PQTRANS_IDLE
    }

    /// Runs the statements in libpq pipeline mode with one sync at the end: one round
    /// trip, and (outside a transaction block) one implicit transaction, so the first
    /// error rolls everything back and later statements report PGRES_PIPELINE_ABORTED.
    func pipeline(_ statements: [(sql: String, parameters: EncodedParameters)], deadline: ContinuousClock.Instant?, token: OperationToken) throws(PGError) -> [PGResult] {
        let conn = try open()
        guard ssd_enter_pipeline_mode(conn) == 1 else { throw sendFailed(conn, statement: nil) }
        for statement in statements {
            let sent = statement.parameters.withPointers { values, lengths, formats, types in
                PQsendQueryParams(conn, statement.sql, statement.parameters.count, types, values, lengths, formats, 0)
            }
            guard sent == 1 else { throw sendFailed(conn, statement: statement.sql) }
        }
        guard ssd_pipeline_sync(conn) == 1 else { throw sendFailed(conn, statement: nil) }
        try flush(deadline: deadline, token: token)

        var results: [PGResult] = []
        var firstError: PGError?
        for statement in statements {
            var last: PGResult?
            while let outcome = try nextResult(statement: statement.sql, deadline: deadline, token: token) {
                switch outcome {
                case .rows(let r): last = r
                case .failure(let e): if firstError == nil { firstError = e }
                case .pipelineAborted:
                    if firstError == nil {
                        firstError = PGError(.queryFailed, "pipeline aborted by an earlier error", statement: statement.sql)
                    }
                case .pipelineSync:
                    throw PGError(.protocolError, "pipeline sync arrived early", isConnectionError: true)
                case .unexpected(let status):
                    throw PGError(.protocolError, "unsupported result status \(status)", statement: statement.sql,
                                  isConnectionError: true)
                }
            }
            if let last { results.append(last) }
            if let firstError, firstError.isConnectionError { throw firstError }
            if PQstatus(conn) == CONNECTION_BAD { throw lostError("the server closed the connection") }
        }
        // The sync's own result ends the pipeline.
        guard case .pipelineSync? = try nextResult(statement: nil, deadline: deadline, token: token) else {
            throw PGError(.protocolError, "expected the pipeline sync result", isConnectionError: true)
        }
        guard ssd_exit_pipeline_mode(conn) == 1 else {
            throw PGError(.protocolError, "could not leave pipeline mode", isConnectionError: true)
        }
        if let firstError { throw firstError }
        return results
    }
}
