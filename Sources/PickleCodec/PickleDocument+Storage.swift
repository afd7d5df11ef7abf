/// Conversions between ``PickleNode`` and the compact storage.
extension PickleStorage {
    /// Calls `body` with the bytes of a text or bytes node (empty for any other node).
    func withBytes<R>(of r: PickleRawNode, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch r.tag {
        case .string, .py2String, .bytes, .bytearray, .bigInt, .decimal:
            let offset = Int(truncatingIfNeeded: r.payload), n = Int(r.count)
            if r.inHeap {
                precondition(offset >= 0 && n <= heap.count - offset, "bytes outside the heap")
                return try body(UnsafeBufferPointer(start: heap.base + offset, count: n))
            }
            return try input.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[offset ..< offset + n])) }
        default:
            return try body(UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    /// The item references of a container node.
    func itemRefs(_ r: PickleRawNode, from: Int = 0, by step: Int = 1) -> [PickleRef] {
        var out: [PickleRef] = []
        out.reserveCapacity(Int(r.count) / step)
        var i = r.start + from
        let end = r.start + Int(r.count)
        while i < end {
            out.append(PickleRef(items[i]))
            i += step
        }
        return out
    }

    /// Builds the ``PickleNode`` view of node `i`.
    func node(at i: Int) -> PickleNode {
        let r = raw[i]
        switch r.tag {
        case .none: return .none
        case .bool: return .bool(r.payload != 0)
        case .int: return .int(Int64(bitPattern: r.payload))
        case .float: return .float(Double(bitPattern: r.payload))
        case .string: return .string(withBytes(of: r) { String(decoding: $0, as: UTF8.self) })
        case .py2String: return .py2String(PickleBytes(withBytes(of: r) { Array($0) }))
        case .bytes: return .bytes(withBytes(of: r) { Array($0) })
        case .bytearray: return .bytearray(withBytes(of: r) { Array($0) })
        case .bigInt: return .bigInt(PickleBigInt(twosComplement: withBytes(of: r) { Array($0) }))
        case .list: return .list(itemRefs(r))
        case .tuple: return .tuple(itemRefs(r))
        case .set: return .set(itemRefs(r))
        case .frozenset: return .frozenset(itemRefs(r))
        case .dict:
            return .dict(PickleDict(keys: itemRefs(r, by: 2), values: itemRefs(r, from: 1, by: 2), subclass: global(referencedBy: r)))
        case .global:
            if r.ext > 0 { return .global(PickleKnownGlobal.common(Int(r.ext) - 1)) }
            return extras[Int(truncatingIfNeeded: r.payload)]
        case .extra: return extras[Int(truncatingIfNeeded: r.payload)]
        case .datetime:
            let p = r.payload
            return .datetime(PickleDateTime(
                date: PickleDate(year: Int(p >> 40 & 0xFFFF), month: Int(p >> 32 & 0xFF), day: Int(p >> 24 & 0xFF)),
                time: PickleTime(hour: Int(p >> 16 & 0xFF), minute: Int(p >> 8 & 0xFF), second: Int(p & 0xFF),
                                 microsecond: Int(r.count & 0x7FFF_FFFF), fold: Int(r.count >> 31),
                                 tzinfo: r.ext > 0 ? PickleRef(Int(r.ext) - 1) : nil)))
        case .date:
            let p = r.payload
            return .date(PickleDate(year: Int(p >> 16 & 0xFFFF), month: Int(p >> 8 & 0xFF), day: Int(p & 0xFF)))
        case .timedelta: return .timedelta(Self.timedelta(r))
        case .timezone: return .timezone(PickleTimezone(offset: Self.timedelta(r)))
        case .uuid:
            var bytes = [UInt8](repeating: 0, count: 16)
            for i in 0 ..< 8 { bytes[15 - i] = UInt8(truncatingIfNeeded: r.payload >> (8 * i)) }
            for i in 0 ..< 4 {
                bytes[7 - i] = UInt8(truncatingIfNeeded: r.count >> (8 * i))
                bytes[3 - i] = UInt8(truncatingIfNeeded: r.ext >> (8 * i))
            }
            return .uuid(PickleUUID(bytes: bytes))
        case .newObject:
            // Always set: a new object's record is made only from a global's.
            guard let type = global(referencedBy: r) else { preconditionFailure("new object without a class") }
            return .object(PickleObject(type: type, args: r.payload > 0 ? PickleRef(Int(truncatingIfNeeded: r.payload) - 1) : nil))
        case .decimal: return .decimal(PickleDecimal(withBytes(of: r) { String(decoding: $0, as: UTF8.self) }))
        }
    }

    /// The timedelta laid out in a `.timedelta` or `.timezone` record.
    static func timedelta(_ r: PickleRawNode) -> PickleTimedelta {
        PickleTimedelta(days: Int(Int32(bitPattern: r.count)), seconds: Int(r.payload >> 32), microseconds: Int(r.payload & 0xFFFF_FFFF))
    }

    /// The subclass of a `.dict` record (nil for a plain dict), or the class of a `.newObject` record.
    func global(referencedBy r: PickleRawNode) -> PickleGlobal? {
        if r.ext == 0 { return nil }
        if r.globalIsCommon { return PickleKnownGlobal.common(Int(r.ext) - 1) }
        if case .global(let g) = extras[Int(r.ext) - 1] { return g }
        return nil
    }

    /// Names the global of record `g` (a common name or an extra) as the subclass of dict record `r`
    /// or the class of new-object record `r`. By value: the global's own record may be replaced later.
    static func refer(_ r: inout PickleRawNode, toGlobal g: PickleRawNode) {
        r.globalIsCommon = g.ext > 0
        r.ext = g.ext > 0 ? g.ext : UInt32(truncatingIfNeeded: g.payload + 1)
    }

    /// The classification of the global a `.newObject` record names.
    func known(referencedBy r: PickleRawNode) -> PickleKnownGlobal {
        if r.globalIsCommon { return PickleKnownGlobal.commonKnown(Int(r.ext) - 1) }
        return global(referencedBy: r).map(PickleKnownGlobal.init) ?? .other
    }

    /// A `.uuid` record for the 128-bit integer `high << 64 | low`.
    static func uuidRecord(high: UInt64, low: UInt64) -> PickleRawNode {
        var r = PickleRawNode(tag: .uuid, payload: low)
        r.count = UInt32(truncatingIfNeeded: high)
        r.ext = UInt32(truncatingIfNeeded: high >> 32)
        return r
    }

    /// Turns a `.newObject` record into the `.object` extra it stands for, so it can be changed in place.
    func materializeObject(at i: Int) {
        raw[i] = store(node(at: i))
    }

    /// The storage record for `node`, its bytes and items appended to the buffers.
    func store(_ node: PickleNode) -> PickleRawNode {
        switch node {
        case .none: return PickleRawNode(tag: .none)
        case .bool(let b): return PickleRawNode(tag: .bool, payload: b ? 1 : 0)
        case .int(let v): return PickleRawNode(tag: .int, payload: UInt64(bitPattern: v))
        case .float(let d): return PickleRawNode(tag: .float, payload: d.bitPattern)
        case .string(let s): return storeBytes(.string, s.utf8)
        case .py2String(let b): return storeBytes(.py2String, b.bytes)
        case .bytes(let b): return storeBytes(.bytes, b)
        case .bytearray(let b): return storeBytes(.bytearray, b)
        case .bigInt(let b): return storeBytes(.bigInt, b.twosComplement)
        case .list(let x): return storeItems(.list, x)
        case .tuple(let x): return storeItems(.tuple, x)
        case .set(let x): return storeItems(.set, x)
        case .frozenset(let x): return storeItems(.frozenset, x)
        case .uuid(let u) where u.bytes.count == 16:
            var high: UInt64 = 0, low: UInt64 = 0
            for i in 0 ..< 8 {
                high = high << 8 | UInt64(u.bytes[i])
                low = low << 8 | UInt64(u.bytes[8 + i])
            }
            return Self.uuidRecord(high: high, low: low)
        case .dict(let d) where d.keys.count == d.values.count:
            var interleaved: [PickleRef] = []
            interleaved.reserveCapacity(2 * min(d.keys.count, d.values.count))
            for (k, v) in zip(d.keys, d.values) { interleaved.append(k); interleaved.append(v) }
            var r = storeItems(.dict, interleaved)
            if let subclass = d.subclass {
                extras.append(.global(subclass))
                r.ext = UInt32(extras.count)
            }
            return r
        default:
            // The rarer kinds, and a hand-built dict whose key and value counts differ (kept as it is,
            // so the encoder can refuse it).
            extras.append(node)
            return PickleRawNode(tag: .extra, payload: UInt64(extras.count - 1))
        }
    }

    private func storeBytes<C: Collection>(_ tag: PickleRawNode.Tag, _ bytes: C) -> PickleRawNode where C.Element == UInt8 {
        var r = PickleRawNode(tag: tag, payload: UInt64(heap.count))
        r.inHeap = true
        r.count = UInt32(bytes.count)
        heap.append(contentsOf: bytes)
        return r
    }

    private func storeItems(_ tag: PickleRawNode.Tag, _ refs: [PickleRef]) -> PickleRawNode {
        var r = PickleRawNode(tag: tag)
        r.start = items.count
        r.capacity = refs.count
        r.count = UInt32(refs.count)
        for ref in refs { items.append(ref.index) }
        return r
    }
}
