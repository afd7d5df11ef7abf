/// What a PGListener reports, in order.
public enum PGListenerEvent: Sendable {
    /// (Re)connected and LISTEN is active on every channel. The caller MUST catch up now:
    /// notifications may have been missed before this point. `generation` counts
    /// connections (1 = first) and also grows when a lost LISTEN had to be re-issued.
    case listening(generation: Int)
    case notification(PGNotification)
    /// The connection was lost (or failed to connect); will retry after `retryIn`.
    case disconnected(PGError, retryIn: Duration)
}
