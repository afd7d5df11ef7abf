/// A decoded pickle: a flat arena of values and the root that STOP returned.
///
/// Values are stored compactly (see ``PickleRawNode``): text and bytes as ranges of
/// the decoded input or of one side buffer, container items as ranges of one item
/// buffer. ``subscript(_:)`` and ``nodes`` present each value as a ``PickleNode``,
/// built when asked for; ``withUTF8(of:_:)`` and ``value(forKey:in:)`` read text
/// without building strings. Built by ``PickleDecoder`` or by hand (for
/// ``PickleEncoder``) with ``append(_:)``.
public struct PickleDocument: Sendable {
    /// The storage of every value; ``PickleRef/index`` points here.
    var raw: [PickleRawNode]
    /// The pickle the decoder read: most text and bytes values are ranges of it.
    var input: [UInt8]
    /// Text and bytes that differ from their encoding in the pickle (escapes, joined surrogates)
    /// or that were added by hand.
    var heap: [UInt8] = []
    /// Container items, as node indices (a dict's keys and values alternate).
    var items: [Int] = []
    /// Values of the rarer kinds, kept as nodes (datetimes, decimals, globals, inert objects, ...).
    var extras: [PickleNode] = []
    /// The value the pickle evaluates to.
    public var root: PickleRef

    /// Creates an empty document whose root is a `None` node.
    public init() {
        raw = [PickleRawNode(tag: .none)]
        input = []
        root = PickleRef(0)
    }

    /// Creates a document from nodes built elsewhere.
    /// - Parameters:
    ///   - nodes: the arena; every ``PickleRef`` inside must be in range.
    ///   - root: the root value.
    public init(nodes: [PickleNode], root: PickleRef) {
        raw = []
        raw.reserveCapacity(nodes.count)
        input = []
        self.root = root
        for node in nodes { append(node) }
    }

    /// Storage filled by the decoder.
    init(raw: [PickleRawNode], input: [UInt8], heap: [UInt8], items: [Int], extras: [PickleNode], root: PickleRef) {
        self.raw = raw
        self.input = input
        self.heap = heap
        self.items = items
        self.extras = extras
        self.root = root
    }

    /// The node `ref` points to (built from the storage on each access).
    public subscript(ref: PickleRef) -> PickleNode {
        get { node(at: ref.index) }
        set { raw[ref.index] = store(newValue) }
    }

    /// Every node, in arena order.
    public var nodes: Nodes { Nodes(document: self) }

    /// Adds a node and returns its reference.
    @discardableResult
    public mutating func append(_ node: PickleNode) -> PickleRef {
        let r = store(node)
        raw.append(r)
        return PickleRef(raw.count - 1)
    }

    /// The nodes of a document as a collection (each built when read).
    public struct Nodes: RandomAccessCollection, Sendable {
        let document: PickleDocument
        public var startIndex: Int { 0 }
        public var endIndex: Int { document.raw.count }
        public subscript(position: Int) -> PickleNode { document.node(at: position) }
    }
}
