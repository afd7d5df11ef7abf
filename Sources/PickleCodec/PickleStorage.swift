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
    /// The allocation the decoder's buffers start in (see ``DecodeRoom``), freed with the storage.
    private let block: UnsafeMutableRawPointer?
    /// The decoder's scratch, here rather than in the unpickler, whose copies it would slow down.
    @exclusivity(unchecked) var keyFilters = PickleKeyFilters()

    /// Empty storage for `input`, with room sized by the caller.
    init(input: [UInt8], nodeCapacity: Int, itemCapacity: Int) {
        self.input = input
        raw = PickleBuffer(capacity: nodeCapacity)
        items = PickleBuffer(capacity: itemCapacity)
        heap = PickleBuffer(capacity: 0)
        block = nil
    }

    /// Empty storage for the decoder, its buffers in `room`'s block (which it then owns).
    init(input: [UInt8], room: DecodeRoom) {
        self.input = input
        raw = room.raw
        items = room.items
        heap = room.heap
        block = room.block
    }

    private init(copying other: PickleStorage) {
        input = other.input
        raw = other.raw.copy()
        items = other.items.copy()
        heap = other.heap.copy()
        extras = other.extras
        block = nil
    }

    deinit {
        raw.free()
        items.free()
        heap.free()
        block?.deallocate()
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

extension PickleStorage {
    /// One allocation for everything a decode starts with: the storage's node, item and byte
    /// buffers and the unpickler's stack, marks and memo, sized from the pickle's length.
    ///
    /// A session then costs one allocation and one free instead of six or more; a buffer that
    /// outgrows its part moves to memory of its own. The block lives as long as the storage.
    struct DecodeRoom {
        let block: UnsafeMutableRawPointer
        let raw: PickleBuffer<PickleRawNode>
        let items: PickleBuffer<Int>
        let heap: PickleBuffer<UInt8>
        let stack: PickleBuffer<Int>
        let marks: PickleBuffer<Int>
        let memo: PickleBuffer<Int>

        /// Room for a pickle of `inputCount` bytes (the capacities are bounded: larger pickles grow).
        init(inputCount n: Int) {
            // Sessions measured: nodes, items and memo entries stay under 15% of the pickle's bytes,
            // text the decoder rewrites (protocol 0 escapes) mostly under half of them.
            let expected = min(max(n / 4, 8), 4096)
            let stackCapacity = min(n / 8, 1024) + 32, markCapacity = 16
            let heapCapacity = min(n / 2, 1 << 16) + 16
            let ints = 2 * expected + stackCapacity + markCapacity
            let rawBytes = expected * MemoryLayout<PickleRawNode>.stride
            let intBytes = ints * MemoryLayout<Int>.stride
            block = .allocate(byteCount: rawBytes + intBytes + heapCapacity,
                              alignment: max(MemoryLayout<PickleRawNode>.alignment, MemoryLayout<Int>.alignment))
            var at = block
            func take<T>(_ type: T.Type, _ count: Int) -> PickleBuffer<T> {
                let p = at.bindMemory(to: T.self, capacity: count)
                at += count * MemoryLayout<T>.stride
                return PickleBuffer(borrowing: p, capacity: count)
            }
            raw = take(PickleRawNode.self, expected)
            items = take(Int.self, expected)
            stack = take(Int.self, stackCapacity)
            marks = take(Int.self, markCapacity)
            memo = take(Int.self, expected)
            heap = take(UInt8.self, heapCapacity)
        }
    }
}
