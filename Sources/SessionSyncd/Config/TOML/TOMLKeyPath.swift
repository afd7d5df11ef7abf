/// Where a value sits in the document: `sync.batch_size`, `column[2].type`.
struct TOMLKeyPath: Hashable, Sendable, CustomStringConvertible {
    /// A table key, or the 0-based index of an array element (or of an `[[array of tables]]` entry).
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// From the root table down; empty for the root itself.
    var components: [Component] = []

    /// The path of `key` inside this table.
    func appending(_ key: String) -> TOMLKeyPath {
        TOMLKeyPath(components: components + [.key(key)])
    }

    /// The path of element `index` (0-based) of this array.
    func appending(index: Int) -> TOMLKeyPath {
        TOMLKeyPath(components: components + [.index(index)])
    }

    /// Dotted keys with 1-based indexes, as error messages name them: `column[2].type`.
    var description: String {
        var s = ""
        for c in components {
            switch c {
            case .key(let k): s += s.isEmpty ? k : "." + k
            case .index(let i): s += "[\(i + 1)]"
            }
        }
        return s
    }
}
