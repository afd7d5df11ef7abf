/// The one error type of PGListen: an opaque code plus the server's diagnostics.
///
/// `description` is safe to log: it never contains a password, a full conninfo,
/// parameter values or the server's DETAIL field (DETAIL can echo row values, e.g.
/// `Key (session_id)=(…) already exists`, which is session data). `detail` is still
/// available as a property for callers that know it is safe.
public struct PGError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Opaque: compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Could not establish a connection (refused, authentication, DNS, connect timeout).
        public static let connectionFailed = Code("connectionFailed")
        /// An established connection broke (server gone, terminated, socket error).
        public static let connectionLost = Code("connectionLost")
        /// The server rejected a statement; see `sqlState`.
        public static let queryFailed = Code("queryFailed")
        /// A client-side bound expired (query timeout, heartbeat timeout, connect timeout).
        public static let timeout = Code("timeout")
        /// libpq or the server answered something we did not expect (e.g. COPY).
        public static let protocolError = Code("protocolError")
        /// The caller passed something unusable (NUL in text, bad channel name, ...).
        public static let invalidArgument = Code("invalidArgument")
        /// The connection was closed by `close()` (or the listener was stopped).
        public static let closed = Code("closed")
        /// The awaiting task was cancelled; the connection is unusable afterwards.
        public static let cancelled = Code("cancelled")
    }

    public var code: Code
    /// SQLSTATE (PG_DIAG_SQLSTATE), e.g. "23505"; nil for client-side errors.
    public var sqlState: String?
    /// Non-localized severity (ERROR, FATAL, PANIC) when the server sent one.
    public var severity: String?
    /// The server's primary message or libpq's, with passwords redacted.
    public var message: String
    /// The server's DETAIL. May contain row values: not part of `description`.
    public var detail: String?
    public var hint: String?
    /// The SQL text that failed (never parameter values).
    public var statement: String?
    /// True when the connection is unusable afterwards and must be replaced.
    public var isConnectionError: Bool

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - message: human-readable text; it is run through `PGRedaction.redact` here.
    ///   - sqlState, severity, detail, hint, statement: server diagnostics, if any.
    ///   - isConnectionError: defaults to true for connection-level codes.
    public init(
        _ code: Code, _ message: String, sqlState: String? = nil, severity: String? = nil,
        detail: String? = nil, hint: String? = nil, statement: String? = nil,
        isConnectionError: Bool? = nil
    ) {
        self.code = code
        self.message = PGRedaction.redact(message)
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail.map(PGRedaction.redact)
        self.hint = hint.map(PGRedaction.redact)
        self.statement = statement
        self.isConnectionError = isConnectionError ?? [
            .connectionFailed, .connectionLost, .timeout, .closed, .cancelled, .protocolError,
        ].contains(code)
    }

    public var description: String {
        var text = "PGError.\(code)"
        if let severity { text += " \(severity)" }
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(PGRedaction.redact(message))"
        if let hint { text += " (hint: \(PGRedaction.redact(hint)))" }
        if let statement {
            let short = statement.count > 120 ? String(statement.prefix(120)) + "…" : statement
            text += " (statement: \(short))"
        }
        return text
    }
}
