/// A session value that is stored as SQL NULL instead of itself (web.py's anonymous `uid = 0`).
enum NullValue: Sendable, Equatable, Hashable {
    case int(Int64)
    case string(String)
    case bool(Bool)
    /// Python `None`. Always stored as NULL anyway; listed so the daemon can match it explicitly.
    case none
}
