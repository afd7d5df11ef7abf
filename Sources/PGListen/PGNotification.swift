/// One NOTIFY delivered to this connection.
public struct PGNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// PID of the server process that sent the NOTIFY.
    public var backendPID: Int32

    public init(channel: String, payload: String, backendPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.backendPID = backendPID
    }
}
