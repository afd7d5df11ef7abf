/// LISTEN/UNLISTEN and waiting for notifications.
extension PGConnection {
    /// Starts listening on `channel` (quoted as an identifier, so any name is safe).
    /// - Throws: `.invalidArgument` for an empty name, NUL, or more than 63 bytes
    ///   (the server would silently truncate it); else as `execute`.
    public func listen(_ channel: String) async throws(PGError) {
        try await execute("LISTEN " + Self.quoteIdentifier(channel))
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) async throws(PGError) {
        try await execute("UNLISTEN " + Self.quoteIdentifier(channel))
    }

    /// A channel name as a double-quoted SQL identifier (`"` doubled).
    /// - Throws: `.invalidArgument` if it is empty, contains NUL or exceeds 63 bytes.
    public static func quoteIdentifier(_ name: String) throws(PGError) -> String {
        let bytes = name.utf8.count
        guard bytes > 0, bytes <= 63, !name.utf8.contains(0) else {
            throw PGError(.invalidArgument, "a channel name must be 1 to 63 bytes without NUL (got \(bytes) bytes)")
        }
        return "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Waits up to `timeout` for notifications (poll() on the socket, no busy loop).
    /// - Returns: true if any arrived (take them with `drainNotifications()`), false if
    ///   the time passed quietly.
    /// - Throws: a connection error if the connection broke, `.cancelled` when the
    ///   task is cancelled, `.closed` after `close()`.
    public func waitForNotifications(timeout: Duration) async throws(PGError) -> Bool {
        try await perform(timeout: nil, cancelOnTimeout: false) { (handle, _, token) throws(PGError) -> Bool in
            try handle.awaitNotifications(deadline: ContinuousClock.now + timeout, token: token)
        }
    }
}

extension String {
    /// Replaces a scalar, working on Unicode scalars rather than Characters: a `"`
    /// followed by a combining mark is one Character but still a quote to the server.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }
}
