/// One typed column of session_fields and the session key it is filled from.
struct ColumnMapping: Sendable, Equatable, Hashable {
    /// Column name in session_fields (plain identifier, unique, not reserved).
    var name: String
    /// Session key, or nested path: `"user.email"` in the file becomes `["user", "email"]`.
    var path: [String]
    /// PostgreSQL type of the column.
    var type: ColumnType
    /// Optional foreign key (`REFERENCES table(column) ON DELETE SET NULL`).
    var references: ForeignKeyReference?
    /// Session values stored as NULL (web.py's `uid = 0` means anonymous).
    var nullValues: [NullValue]
    /// For text: a longer value is stored as NULL and recorded as an "over-long" error.
    var maxLength: Int?
    /// Whether a session without the key (or without a dict on the way to it) is an error. False (the
    /// default): the column is NULL and nothing is recorded, since many web.py keys are set only for
    /// some sessions. True: NULL plus a "missing key" problem (errors table and a warning).
    var required: Bool

    /// Creates a mapping.
    /// - Parameters:
    ///   - name: column name.
    ///   - path: session key path; default `[name]` (the key has the column's name).
    ///   - type: column type; default `.text`.
    ///   - references: foreign key; default none.
    ///   - nullValues: values stored as NULL; default none.
    ///   - maxLength: maximum text length in characters; default unlimited.
    ///   - required: whether a missing key is recorded as a problem; default false.
    init(name: String, path: [String]? = nil, type: ColumnType = .text, references: ForeignKeyReference? = nil,
         nullValues: [NullValue] = [], maxLength: Int? = nil, required: Bool = false) {
        self.name = name
        self.path = path ?? [name]
        self.type = type
        self.references = references
        self.nullValues = nullValues
        self.maxLength = maxLength
        self.required = required
    }

    /// The design card's columns: `uid integer REFERENCES users(id)` with `0` as NULL, `current_page text`, `user_role text`.
    static let defaults: [ColumnMapping] = [
        ColumnMapping(name: "uid", type: .integer, references: ForeignKeyReference(table: "users", column: "id"), nullValues: [.int(0)]),
        ColumnMapping(name: "current_page", type: .text),
        ColumnMapping(name: "user_role", type: .text),
    ]
}
