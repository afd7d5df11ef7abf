/// Finds where a key was written, for error messages only.
///
/// TOMLKit reports line:column for syntax errors but not for the keys it parsed, and it returns tables
/// sorted by key. An error about a key (unknown, wrong type, out of range) must still say where the key
/// is, so this scans the text again for the first definition of one key path — only when such an error
/// is raised. The document is valid TOML by then (TOMLKit accepted it), so the scan only tells keys,
/// headers, strings and comments apart and validates nothing; if it gets lost it answers nil and the
/// error has no position.
struct TOMLKeyLocator: Sendable {
    /// The document as TOMLKit read it.
    let bytes: [UInt8]

    /// Where `path` is first defined: the key's first character, or the `[` of the header that opens
    /// the table (`[sync]`, the n-th `[[column]]`); nil if it is not found.
    func position(of path: TOMLKeyPath) -> TOMLPosition? {
        var scan = TOMLKeyScan(bytes: bytes, target: path.components)
        return scan.run()
    }
}
