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
    /// `b""` (code 256) or a one-byte bytes object: CPython's cached byte singletons.
    case shortBytes(UInt32)
    /// `datetime.timezone.utc`, which `timezone(timedelta(0))` always returns.
    case utc
    /// An interned str the pickler writes itself ("latin1", module names, the UUID state key).
    case interned(String)
    /// A class or function.
    case global(PickleGlobal)

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

    /// The singleton key of a bytes object, if CPython caches it.
    static func shortBytes(_ b: [UInt8]) -> PickleEncoderMemoKey? {
        switch b.count {
        case 0: return .shortBytes(256)
        case 1: return .shortBytes(UInt32(b[0]))
        default: return nil
        }
    }
}
