/// A decoded pickle: a flat arena of values and the root that STOP returned.
///
/// Values are stored compactly (see ``PickleRawNode`` and ``PickleStorage``): text and
/// bytes as ranges of the decoded input or of one side buffer, container items as
/// ranges of one item buffer. ``subscript(_:)`` and ``nodes`` present each value as a
/// ``PickleNode``, built when asked for; ``withUTF8(of:_:)`` and
/// ``value(forKey:in:)`` read text without building strings. Built by
/// ``PickleDecoder`` or by hand (for ``PickleEncoder``) with ``append(_:)``; a value
/// type (copy-on-write).
public struct PickleDocument: Sendable {
    var storage: PickleStorage
    /// The value the pickle evaluates to.
    public var root: PickleRef

    /// Creates an empty document whose root is a `None` node.
    public init() {
        storage = PickleStorage(input: [], nodeCapacity: 8, itemCapacity: 8)
        storage.raw.append(PickleRawNode(tag: .none))
        root = PickleRef(0)
    }

    /// Creates a document from nodes built elsewhere.
    /// - Parameters:
    ///   - nodes: the arena; every ``PickleRef`` inside must be in range.
    ///   - root: the root value.
    public init(nodes: [PickleNode], root: PickleRef) {
        storage = PickleStorage(input: [], nodeCapacity: nodes.count, itemCapacity: nodes.count)
        self.root = root
        for node in nodes { storage.raw.append(storage.store(node)) }
    }

    /// A document over storage the decoder filled.
    init(storage: PickleStorage, root: PickleRef) {
        self.storage = storage
        self.root = root
    }

    /// The node `ref` points to (built from the storage on each access).
    public subscript(ref: PickleRef) -> PickleNode {
        get { storage.node(at: ref.index) }
        set {
            precondition(ref.index >= 0 && ref.index < storage.raw.count, "PickleRef out of range")
            makeUnique()
            storage.raw[ref.index] = storage.store(newValue)
        }
    }

    /// Every node, in arena order.
    public var nodes: Nodes { Nodes(document: self) }

    /// Adds a node and returns its reference.
    @discardableResult
    public mutating func append(_ node: PickleNode) -> PickleRef {
        makeUnique()
        storage.raw.append(storage.store(node))
        return PickleRef(storage.raw.count - 1)
    }

    /// The UTF-8 of a str node, or the bytes of a Python 2 str, bytes or bytearray node, without copying.
    ///
    /// (A big int's two's-complement bytes and a Decimal's text too; other nodes give an empty buffer.)
    /// - Parameters:
    ///   - ref: the node.
    ///   - body: gets the bytes (empty for other nodes).
    /// - Returns: what `body` returns.
    public func withUTF8<R>(of ref: PickleRef, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard ref.index >= 0, ref.index < storage.raw.count else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try storage.withBytes(of: storage.raw[ref.index], body)
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.clone() }
    }

    /// The nodes of a document as a collection (each built when read).
    public struct Nodes: RandomAccessCollection, Sendable {
        let document: PickleDocument
        public var startIndex: Int { 0 }
        public var endIndex: Int { document.storage.raw.count }
        public subscript(position: Int) -> PickleNode { document.storage.node(at: position) }
    }
}
