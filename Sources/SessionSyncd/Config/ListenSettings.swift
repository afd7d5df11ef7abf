/// The LISTEN connection's liveness and reconnect timing (`[listen]`).
struct ListenSettings: Sendable, Equatable {
    /// A half-open connection is detected within this bound (`heartbeat_s`).
    var heartbeat: Duration
    /// First reconnect delay; doubles after each failure, with full jitter (`reconnect_initial_ms`).
    var reconnectInitial: Duration
    /// Cap of the reconnect delay (`reconnect_max_s`).
    var reconnectMax: Duration

    /// Creates listen settings.
    /// - Parameters:
    ///   - heartbeat: default 10 s.
    ///   - reconnectInitial: default 100 ms.
    ///   - reconnectMax: default 30 s.
    init(heartbeat: Duration = .seconds(10), reconnectInitial: Duration = .milliseconds(100), reconnectMax: Duration = .seconds(30)) {
        self.heartbeat = heartbeat
        self.reconnectInitial = reconnectInitial
        self.reconnectMax = reconnectMax
    }
}
