/// The memory behind a ``PickleDocument``: node records, container items, text and bytes.
///
/// `@unchecked Sendable` because a storage is mutated only while exactly one owner
/// holds it: the decoder building it, or a ``PickleDocument`` that copies it first
/// when the reference is shared (copy-on-write). A storage reachable from two
/// documents, and so from two threads, is never written.
/// Its properties opt out of dynamic exclusivity checks for the same reason: the
/// decoder touches them several times per opcode.
final class PickleStorage: @unchecked Sendable {
    /// Every node; ``PickleRef/index`` points here.
    @exclusivity(unchecked) var raw: PickleBuffer<PickleRawNode>
    /// Container items, as node indices (a dict's keys and values alternate).
    @exclusivity(unchecked) var items: PickleBuffer<Int>
    /// Text and bytes that differ from their encoding in the pickle (escapes, joined surrogates)
    /// or that were added by hand.
    @exclusivity(unchecked) var heap: PickleBuffer<UInt8>
    /// Values of the rarer kinds, kept as nodes (inert objects, globals, time zones, UUIDs, ...).
    @exclusivity(unchecked) var extras: [PickleNode] = []
    /// The pickle the decoder read: most text and bytes values are ranges of it.
    let input: [UInt8]
    /// The decoder's scratch, here rather than in the unpickler, whose copies it would slow down.
    @exclusivity(unchecked) var keyFilters = PickleKeyFilters()

    /// Empty storage for `input`, with room sized by the caller.
    init(input: [UInt8], nodeCapacity: Int, itemCapacity: Int) {
        self.input = input
        raw = PickleBuffer(capacity: nodeCapacity)
        items = PickleBuffer(capacity: itemCapacity)
        heap = PickleBuffer(capacity: 0)
    }

    private init(copying other: PickleStorage) {
        input = other.input
        raw = other.raw.copy()
        items = other.items.copy()
        heap = other.heap.copy()
        extras = other.extras
    }

    deinit {
        raw.free()
        items.free()
        heap.free()
    }

    /// An independent copy, for copy-on-write.
    func clone() -> PickleStorage { PickleStorage(copying: self) }
}

extension PickleStorage {
    /// The node at `ref`, built from storage; setting stores a new record in its place.
    subscript(ref: PickleRef) -> PickleNode {
        get { node(at: ref.index) }
        set { raw[ref.index] = store(newValue) }
    }

    /// Adds a node and returns its reference.
    func append(_ node: PickleNode) -> PickleRef {
        raw.append(store(node))
        return PickleRef(raw.count - 1)
    }
}
