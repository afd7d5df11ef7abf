/// One node of a ``PickleDocument``'s storage: a fixed-size, trivially copyable record.
///
/// The decoder writes these instead of ``PickleNode`` values, so decoding a session
/// allocates a handful of buffers rather than one heap object per string, tuple and
/// dict: text and bytes are ranges of the document's byte buffers, container items
/// are ranges of its item buffer, and only the rare compound values (datetimes,
/// decimals, inert objects, ...) are kept as ``PickleNode``s in a side table.
struct PickleRawNode {
    enum Tag: UInt8 {
        case none, bool, int, float
        /// `count` bytes at `payload` (see ``PickleRawNode/inHeap``): valid UTF-8 without surrogates.
        case string
        case py2String, bytes, bytearray
        /// An int outside 64 bits: its minimal two's-complement bytes, like the text kinds.
        case bigInt
        /// Items at `start ..< start + count` of the item buffer; `capacity` slots are reserved there.
        case list, tuple, set, frozenset
        /// Like a list, keys and values alternating (`count` is twice the pairs); `ext` names the subclass
        /// (see ``PickleRawNode/ext``).
        case dict
        /// `payload` indexes the document's extras (``PickleNode`` values of the rarer kinds).
        case extra
        /// A GLOBAL: `count` is its ``PickleKnownGlobal`` code. A common allowlisted name (see
        /// ``PickleKnownGlobal/common(_:)``) has its table index + 1 in `ext` and no extra; any other
        /// name has `ext` 0 and `payload` indexing its `.global` extra.
        case global
        /// `payload`: year << 40 | month << 32 | day << 24 | hour << 16 | minute << 8 | second;
        /// `count`: microsecond | fold << 31; `ext`: tzinfo node + 1 (0 when naive).
        case datetime
        /// `payload`: year << 16 | month << 8 | day.
        case date
        /// `count`: days (as Int32 bits); `payload`: seconds << 32 | microseconds.
        case timedelta
        /// `str(Decimal)`'s text, as bytes like a string's.
        case decimal
        /// `datetime.timezone(offset)` without a name: the offset laid out as a ``timedelta``'s.
        case timezone
        /// A UUID's 128-bit integer: `payload` the low 64 bits, `count` the next 32, `ext` the top 32.
        case uuid
        /// What NEWOBJ makes of a class it does not construct, until something changes it: an inert
        /// ``PickleObject`` with only its class (named as a dict's subclass is, see ``globalIsCommon``)
        /// and its arguments (the tuple node + 1 in `payload`, 0 for none).
        case newObject
    }

    var tag: Tag
    /// Bytes only: set when the bytes live in the heap buffer rather than in the input.
    var inHeap: Bool = false
    /// Byte length, or item count.
    var count: UInt32 = 0
    /// The scalar's bits, the byte offset, `start | capacity << 32`, or an extras index.
    var payload: UInt64 = 0
    /// Dict: 0 for a plain dict, else index + 1 of its subclass: in the common-name table when
    /// ``globalIsCommon``, else of the subclass's ``PickleGlobal`` in the extras. New object: its class, alike.
    /// Datetime: tzinfo node + 1. Global: common-table index + 1 (0 when the name is in the extras).
    var ext: UInt32 = 0

    /// Dict and new object: `ext` indexes the common-name table (``PickleKnownGlobal/common(_:)``),
    /// not the extras. (These records have no bytes, so they lend the flag.)
    var globalIsCommon: Bool {
        get { inHeap }
        set { inHeap = newValue }
    }

    init(tag: Tag, payload: UInt64 = 0) {
        self.tag = tag
        self.payload = payload
    }

    /// First item slot (containers).
    var start: Int {
        get { Int(truncatingIfNeeded: payload & 0xFFFF_FFFF) }
        set { payload = payload & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(truncatingIfNeeded: newValue)) }
    }

    /// Slots reserved from ``start`` (containers).
    var capacity: Int {
        get { Int(truncatingIfNeeded: payload >> 32) }
        set { payload = payload & 0xFFFF_FFFF | UInt64(UInt32(truncatingIfNeeded: newValue)) << 32 }
    }

    var isContainer: Bool {
        switch tag {
        case .list, .tuple, .set, .frozenset, .dict: return true
        default: return false
        }
    }
}
