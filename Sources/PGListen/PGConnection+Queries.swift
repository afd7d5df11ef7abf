/// Statements. Each call is one non-blocking send + poll() loop on the connection's
/// queue, bounded by `queryTimeout`; notifications that arrive meanwhile are kept for
/// `drainNotifications()`.
extension PGConnection {
    /// Runs one statement with parameters (`$1`, `$2`, ...; nil = SQL NULL).
    /// - Parameters:
    ///   - sql: one SQL statement.
    ///   - parameters: values; arrays go as array literals, cast them in SQL (`$1::text[]`).
    /// - Returns: the statement's rows and command tag.
    /// - Throws: `.queryFailed` with `sqlState`, `.invalidArgument`, or a connection error.
    public func query(_ sql: String, _ parameters: [PGValue?] = []) async throws(PGError) -> PGResult {
        try await query(sql, parameters, timeout: configuration.queryTimeout, cancelOnTimeout: true)
    }

    func query(_ sql: String, _ parameters: [PGValue?], timeout: Duration?, cancelOnTimeout: Bool) async throws(PGError) -> PGResult {
        let encoded = try PGConnectionHandle.EncodedParameters(parameters)
        return try await perform(timeout: timeout, cancelOnTimeout: cancelOnTimeout) {
            (handle, deadline, token) throws(PGError) -> PGResult in
            try handle.queryParams(sql, encoded, deadline: deadline, token: token)
        }
    }

    /// Runs a simple-protocol query string, which may hold several statements (e.g. an
    /// SQL file). No parameters. Stops at and throws the first error.
    public func execute(_ sql: String) async throws(PGError) {
        try await perform(timeout: configuration.queryTimeout, cancelOnTimeout: true) {
            (handle, deadline, token) throws(PGError) in
            try handle.simpleQuery(sql, deadline: deadline, token: token)
        }
    }

    /// Prepares a named statement on this connection (parameter types inferred by the server).
    public func prepare(name: String, sql: String) async throws(PGError) {
        try await perform(timeout: configuration.queryTimeout, cancelOnTimeout: true) {
            (handle, deadline, token) throws(PGError) in
            try handle.prepare(name: name, sql: sql, deadline: deadline, token: token)
        }
    }

    /// Executes a statement made by `prepare(name:sql:)`.
    public func executePrepared(name: String, _ parameters: [PGValue?]) async throws(PGError) -> PGResult {
        let encoded = try PGConnectionHandle.EncodedParameters(parameters)
        return try await perform(timeout: configuration.queryTimeout, cancelOnTimeout: true) {
            (handle, deadline, token) throws(PGError) -> PGResult in
            try handle.executePrepared(name: name, encoded, deadline: deadline, token: token)
        }
    }

    /// Runs `body` inside BEGIN/COMMIT; ROLLBACK (best effort) and rethrow if it throws.
    /// Other tasks' calls on this connection are not locked out meanwhile.
    /// - Throws: what `body` throws, or a PGError from BEGIN/COMMIT.
    public func transaction<T: Sendable>(_ body: @Sendable (PGConnection) async throws -> T) async throws -> T {
        try await execute("BEGIN")
        let value: T
        do {
            value = try await body(self)
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
        try await execute("COMMIT")
        return value
    }

    /// Runs a batch of statements in one round trip using libpq pipeline mode (libpq 14+),
    /// or one after another where pipelining is unavailable. Outside a transaction block
    /// the batch is atomic either way: one implicit transaction (pipeline) or an explicit
    /// BEGIN/COMMIT (fallback); the first error rolls it back and is thrown.
    /// - Returns: one result per statement, in order.
    public func pipeline(_ statements: [(sql: String, parameters: [PGValue?])]) async throws(PGError) -> [PGResult] {
        try await pipeline(statements, forceSequential: false)
    }

    func pipeline(_ statements: [(sql: String, parameters: [PGValue?])], forceSequential: Bool) async throws(PGError) -> [PGResult] {
        if statements.isEmpty { return [] }
        var encoded: [(sql: String, parameters: PGConnectionHandle.EncodedParameters)] = []
        for statement in statements {
            encoded.append((statement.sql, try PGConnectionHandle.EncodedParameters(statement.parameters)))
        }
        let batch = encoded
        let pipelined = Self.supportsPipelining && !forceSequential
        return try await perform(timeout: configuration.queryTimeout, cancelOnTimeout: true) {
            (handle, deadline, token) throws(PGError) -> [PGResult] in
            if pipelined {
                return try handle.pipeline(batch, deadline: deadline, token: token)
            }
            let ownTransaction = handle.isIdleOutsideTransaction
            if ownTransaction { try handle.simpleQuery("BEGIN", deadline: deadline, token: token) }
            var results: [PGResult] = []
            do throws(PGError) {
                for statement in batch {
                    results.append(try handle.queryParams(statement.sql, statement.parameters, deadline: deadline, token: token))
                }
            } catch {
                if ownTransaction, !error.isConnectionError {
                    try? handle.simpleQuery("ROLLBACK", deadline: deadline, token: token)
                }
                throw error
            }
            if ownTransaction { try handle.simpleQuery("COMMIT", deadline: deadline, token: token) }
            return results
        }
    }
}
