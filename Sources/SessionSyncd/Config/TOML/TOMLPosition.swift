/// A 1-based line and column (counted in Unicode scalars) in a TOML document.
struct TOMLPosition: Sendable, Hashable, CustomStringConvertible {
    var line: Int
    var column: Int
    var description: String { "\(line):\(column)" }
}
