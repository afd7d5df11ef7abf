/// Why a configuration file could not be used.
///
/// `description` names the file position and the key, never a value: a `dsn` may hold a password.
struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Opaque error class; compare against the static members.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        var description: String { name }

        /// The file could not be read (missing, permission denied, not UTF-8).
        static let unreadable = Code(name: "unreadable")
        /// The text is not valid TOML.
        static let syntax = Code(name: "syntax")
        /// TOML the configuration does not accept: date-time values, TOML 1.1 syntax, NUL characters.
        static let unsupported = Code(name: "unsupported")
        /// A key or table was defined twice.
        static let duplicateKey = Code(name: "duplicate-key")
        /// A key that the configuration does not know (often a typo).
        static let unknownKey = Code(name: "unknown-key")
        /// A key holds a value of the wrong TOML type.
        static let wrongType = Code(name: "wrong-type")
        /// A key holds a value of the right type that is out of range or malformed.
        static let invalidValue = Code(name: "invalid-value")
        /// A table, column, role or channel name is not a plain SQL identifier.
        static let invalidIdentifier = Code(name: "invalid-identifier")
        /// A mapped column uses a name that session_fields reserves.
        static let reservedName = Code(name: "reserved-name")
        /// Two mapped columns share a name.
        static let duplicateColumn = Code(name: "duplicate-column")
        /// A required key is absent.
        static let missingKey = Code(name: "missing-key")
    }

    /// What went wrong.
    var code: Code
    /// The configuration file, when the error came from one.
    var file: String?
    /// 1-based line of the offending token or key.
    var line: Int?
    /// 1-based column (in Unicode scalars) of the offending token or key.
    var column: Int?
    /// Dotted key path, e.g. `sync.batch_size` or `column[2].type`.
    var key: String?
    /// Fixed wording chosen by this module; never contains a value from the file.
    var detail: String

    /// Creates an error; every field except `code` and `detail` is optional context.
    init(_ code: Code, _ detail: String, key: String? = nil, line: Int? = nil, column: Int? = nil, file: String? = nil) {
        self.code = code
        self.detail = detail
        self.key = key
        self.line = line
        self.column = column
        self.file = file
    }

    /// `config: <file>:<line>:<column>: <code>: key '<key>': <detail>`
    var description: String {
        var s = "config: "
        var location = file ?? ""
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        if !location.isEmpty { s += location + ": " }
        s += code.name
        if let key { s += ": key '\(key)'" }
        s += ": " + detail
        return s
    }
}
