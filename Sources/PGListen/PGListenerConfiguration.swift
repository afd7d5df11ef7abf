/// What a PGListener listens to and how it keeps the connection alive.
public struct PGListenerConfiguration: Sendable {
    public var connection: PGConnectionConfiguration
    /// Channels to LISTEN on (each 1–63 bytes; quoted as identifiers, case preserved).
    public var channels: [String]
    /// Bound on detecting a half-open connection: after `heartbeatTimeout / 2` without
    /// traffic a heartbeat query is sent, and it must be answered within the other half.
    public var heartbeatTimeout: Duration
    public var reconnect: ReconnectPolicy

    /// Creates a configuration.
    /// - Parameters:
    ///   - connection: where to connect (default: libpq defaults + PG* environment).
    ///   - channels: channels to listen on.
    ///   - heartbeatTimeout: default 10 s.
    ///   - reconnect: default initial 100 ms, ×2, cap 30 s, full jitter.
    public init(
        connection: PGConnectionConfiguration = PGConnectionConfiguration(),
        channels: [String],
        heartbeatTimeout: Duration = .seconds(10),
        reconnect: ReconnectPolicy = ReconnectPolicy()
    ) {
        self.connection = connection
        self.channels = channels
        self.heartbeatTimeout = heartbeatTimeout
        self.reconnect = reconnect
    }
}
