/// JSON text pieces with canonical JSON's escaping, for tools that write records around exports
/// (`session-syncd decode --lines`, bench's `codec-records`), so they escape exactly as the export does.
public enum PickleJSONText {
    /// `s` as a quoted JSON string: `\" \\ \n \r \t \b \f` escaped, other controls as `\u00xx`, the rest raw UTF-8.
    public static func quoted(_ s: String) -> String {
        var writer = PickleJSONWriter(unbounded: ())
        // Cannot throw: the writer has no budget.
        try? writer.string(s)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `{"<key>":"<the error's description>"}`: the line written for a value that did not decode or export.
    public static func errorObject(_ error: PickleError, key: String = "$error") -> String {
        "{" + quoted(key) + ":" + quoted(error.description) + "}"
    }
}
