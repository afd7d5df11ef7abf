/// The identity of a Python object as the encoder's memo sees it.
///
/// CPython memoizes by object identity. A document node is one object; a few
/// values are one object in CPython whichever node holds them (cached
/// singletons), and some objects the pickler itself writes are shared
/// (interned names, classes).
enum PickleEncoderMemoKey: Hashable {
    /// A document node.
    case node(Int)
    /// `""` (code 0x110000) or a one-character str below U+0100: CPython's cached Latin-1 singletons.
    case shortString(UInt32)
    /// `datetime.timezone.utc`, which `timezone(timedelta(0))` always returns.
    case utc
    /// An interned str the pickler writes itself ("latin1", module names, the UUID state key).
    case interned(String)
    /// A class or function.
    case global(PickleGlobal)
    /// A timezone's name: the value model keeps no identity for it, so equal names are taken to be
    /// one str object (as names written as literals in application code are).
    case timezoneName(String)

    /// The node index of a ``node(_:)`` key, else -1.
    var nodeIndex: Int {
        if case .node(let i) = self { return i }
        return -1
    }

    /// The singleton key of a str, if CPython caches it.
    static func shortString(_ s: String) -> PickleEncoderMemoKey? {
        var it = s.unicodeScalars.makeIterator()
        guard let first = it.next() else { return .shortString(0x110000) }
        guard it.next() == nil, first.value < 0x100 else { return nil }
        return .shortString(first.value)
    }
}
