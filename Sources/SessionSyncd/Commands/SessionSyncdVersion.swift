/// The version `session-syncd --version` prints and each status row carries.
enum SessionSyncdVersion {
    static let current = "0.9.0"
}
