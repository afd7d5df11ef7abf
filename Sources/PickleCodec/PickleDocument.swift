/// A decoded pickle: a flat arena of nodes and the root that STOP returned.
///
/// Built by ``PickleDecoder`` or by hand (for ``PickleEncoder``) with ``append(_:)``.
public struct PickleDocument: Sendable {
    /// Every node; ``PickleRef/index`` points here.
    public private(set) var nodes: [PickleNode]
    /// The value the pickle evaluates to.
    public var root: PickleRef

    /// Creates an empty document whose root is a `None` node.
    public init() {
        nodes = [.none]
        root = PickleRef(0)
    }

    /// Creates a document from nodes built elsewhere.
    /// - Parameters:
    ///   - nodes: the arena; every ``PickleRef`` inside must be in range.
    ///   - root: the root value.
    public init(nodes: [PickleNode], root: PickleRef) {
        self.nodes = nodes
        self.root = root
    }

    /// The node `ref` points to.
    public subscript(ref: PickleRef) -> PickleNode {
        get { nodes[ref.index] }
        set { nodes[ref.index] = newValue }
    }

    /// Adds a node and returns its reference.
    @discardableResult
    public mutating func append(_ node: PickleNode) -> PickleRef {
        nodes.append(node)
        return PickleRef(nodes.count - 1)
    }
}
