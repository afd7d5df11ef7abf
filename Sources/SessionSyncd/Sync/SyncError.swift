/// Why a session-syncd command could not do its work.
///
/// `description` never holds a password, a conninfo or session contents.
struct SyncError: Error, Sendable, CustomStringConvertible {
    /// Opaque error class; compare against the static members.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        var description: String { name }

        /// The database lacks an object `install` creates (table, column, function).
        static let notInstalled = Code(name: "not-installed")
        /// The source table is not usable (missing column, unsupported type).
        static let badSource = Code(name: "bad-source")
        /// A database statement failed.
        static let database = Code(name: "database")
        /// Input could not be read.
        static let input = Code(name: "input")
    }

    /// What went wrong.
    var code: Code
    /// Fixed wording plus names of tables and columns; never values.
    var detail: String
    /// SQLSTATE when the database reported one.
    var sqlState: String?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the class.
    ///   - detail: what happened, in words chosen here.
    ///   - sqlState: SQLSTATE, if any.
    init(_ code: Code, _ detail: String, sqlState: String? = nil) {
        self.code = code
        self.detail = detail
        self.sqlState = sqlState
    }

    var description: String {
        var s = "session-syncd: \(code): \(detail)"
        if let sqlState { s += " (SQLSTATE \(sqlState))" }
        return s
    }
}
