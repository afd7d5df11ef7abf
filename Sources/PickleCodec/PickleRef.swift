/// Identifies one value inside a ``PickleDocument``.
///
/// Values live in a flat arena rather than as nested Swift objects: shared
/// references and cycles are plain indices, and no operation (deallocation
/// included) recurses to a depth the input controls.
public struct PickleRef: Hashable, Sendable, Comparable {
    /// Position of the node in ``PickleDocument/nodes``.
    public let index: Int

    /// Creates a reference to the node at `index`.
    public init(_ index: Int) { self.index = index }

    public static func < (lhs: PickleRef, rhs: PickleRef) -> Bool { lhs.index < rhs.index }
}
