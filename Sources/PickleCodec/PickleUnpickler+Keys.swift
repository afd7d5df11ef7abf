#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Repeated dict keys and set elements: Python keeps the first key's position (the first
/// element) and the last value.
extension PickleUnpickler {
    /// The key view of node `i`; `heapBase` is the document heap's address while it is not mutated.
    @inline(__always)
    func keyView(_ i: Int, heapBase: UnsafePointer<UInt8>?) -> PickleKeyView? {
        let r = st.raw[i]
        switch r.tag {
        case .none: return PickleKeyView(kind: .none)
        case .bool, .int: return PickleKeyView(kind: .int, number: r.payload)
        case .float:
            let d = Double(bitPattern: r.payload)
            if d.isNaN { return nil }
            // Python: an integral float equals the int of the same value (1.0 == 1, 2.0**63 == 2**63).
            if d == d.rounded(.towardZero), d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 {
                return PickleKeyView(kind: .int, number: UInt64(bitPattern: Int64(d)))
            }
            return PickleKeyView(kind: .float, number: (d == 0 ? 0.0 : d).bitPattern)
        // One case per kind: a second switch on the tag would be a second jump per key.
        case .string: return PickleKeyView(kind: .text, bytes: bytes(of: r, heapBase: heapBase), count: Int(r.count))
        case .bytes: return PickleKeyView(kind: .bytes, bytes: bytes(of: r, heapBase: heapBase), count: Int(r.count))
        case .py2String:
            let p = bytes(of: r, heapBase: heapBase), n = Int(r.count)
            return PickleKeyView(kind: p.map { PickleUTF8.isASCII($0, n) } ?? true ? .text : .py2Bytes, bytes: p, count: n)
        case .bigInt:
            let p = bytes(of: r, heapBase: heapBase), n = Int(r.count)
            // A big int that a double holds exactly equals that float: both take the float's view.
            if let p, let d = PickleKeyView.exactDouble(twosComplement: p, count: n) {
                return PickleKeyView(kind: .float, number: d.bitPattern)
            }
            return PickleKeyView(kind: .bigInt, bytes: p, count: n)
        default:
            return nil
        }
    }

    /// The address of the bytes of text, bytes or big int node `r`.
    @inline(__always)
    func bytes(of r: PickleRawNode, heapBase: UnsafePointer<UInt8>?) -> UnsafePointer<UInt8>? {
        let offset = Int(truncatingIfNeeded: r.payload)
        return r.inHeap ? heapBase.map { $0 + offset } : base + offset
    }

    /// Appends the pairs of `kv` to dict `target` (region `r`, room already reserved), merging repeated keys.
    @inline(__always)
    mutating func mergePairs(into target: Int, _ r: inout PickleRawNode, _ kv: UnsafeBufferPointer<Int>, heapBase: UnsafePointer<UInt8>?) throws(PickleError) {
        let pairs = Int(r.count) / 2
        // Small dicts (web.py sessions) find a repeated key by scanning; larger ones keep a hash table.
        guard pairs + kv.count / 2 <= Self.linearKeyScanLimit else {
            return try mergeHashed(into: target, &r, kv, stride: 2, heapBase: heapBase)
        }
        let keys = UnsafePointer(st.items.base + r.start)
        // Protocol 0 sets one pair per SETITEM: the dict's fingerprints are kept from its last fill,
        // so a new key is compared with the others only when its fingerprint was seen.
        var bloom = pairs == 0 ? PickleKeyBloom()
            : st.keyFilters.bloom(node: target, count: pairs) ?? fingerprints(keys, count: pairs, stride: 2, heapBase: heapBase)
        // Only a batch that could pass the limit checks it at each new key (the same key throws).
        let mayPassLimit = pairs + kv.count / 2 > limits.maxContainerElements
        var k = 0
        while k < kv.count {
            let key = kv[k], value = kv[k + 1]
            k += 2
            // Unchecked: stack items are node indices.
            let node = st.raw.base[key]
            let at: Int?
            if node.tag == .string {
                // str keys, the common case: the text view's fingerprint without the switch over all kinds.
                let p = bytes(of: node, heapBase: heapBase), n = Int(node.count)
                at = bloom.insert(PickleKeyView.fingerprint(kind: .text, number: 0, bytes: p, count: n))
                    ? firstKey(PickleKeyView(kind: .text, bytes: p, count: n), in: keys, count: Int(r.count) / 2, stride: 2, heapBase: heapBase)
                    : nil
            } else if let view = keyView(key, heapBase: heapBase), bloom.insert(view.fingerprint) {
                at = firstKey(view, in: keys, count: Int(r.count) / 2, stride: 2, heapBase: heapBase)
            } else {
                at = nil
            }
            if let at {
                st.items.base[r.start + 2 * at + 1] = value  // Python keeps the first key and the last value
                continue
            }
            guard !mayPassLimit || Int(r.count) / 2 < limits.maxContainerElements else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            // Unchecked: the room was reserved.
            let end = r.start + Int(r.count)
            st.items.base[end] = key
            st.items.base[end + 1] = value
            r.count += 2
        }
        st.keyFilters.keep(node: target, count: Int(r.count) / 2, bloom: bloom)
    }

    /// Appends the elements of `items` to set `target` (region `r`, room already reserved), but
    /// not one equal to an element already in it: Python keeps the first of equal elements.
    @inline(__always)
    mutating func addUnique(to target: Int, _ r: inout PickleRawNode, _ items: UnsafeBufferPointer<Int>,
                            heapBase: UnsafePointer<UInt8>?) throws(PickleError) {
        guard Int(r.count) + items.count <= Self.linearKeyScanLimit else {
            return try mergeHashed(into: target, &r, items, stride: 1, heapBase: heapBase)
        }
        let elements = UnsafePointer(st.items.base + r.start)
        var bloom = r.count == 0 ? PickleKeyBloom() : fingerprints(elements, count: Int(r.count), stride: 1, heapBase: heapBase)
        for item in items {
            if let view = keyView(item, heapBase: heapBase), bloom.insert(view.fingerprint),
               firstKey(view, in: elements, count: Int(r.count), stride: 1, heapBase: heapBase) != nil {
                continue
            }
            st.items.base[r.start + Int(r.count)] = item  // unchecked: the room was reserved
            r.count += 1
        }
    }

    /// `items` without the elements equal to an earlier one (`set(list)` in REDUCE), in their order.
    func uniqueElements(_ items: [PickleRef]) -> [PickleRef] {
        guard items.count > 1 else { return items }
        let heapBase = UnsafePointer(st.heap.base)
        var table = items.count > Self.linearKeyScanLimit ? PickleKeyTable() : nil
        var bloom = PickleKeyBloom()
        // The kept elements' indices, on the stack for small sets: usually none repeats, and `items` is returned.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: items.count) { out in
            let keys = UnsafePointer(out.baseAddress!)
            var n = 0
            for item in items {
                if let view = keyView(item.index, heapBase: heapBase) {
                    if table != nil {
                        if tableFindOrInsert(&table!, view, entry: n, keys: keys, stride: 1, heapBase: heapBase) != nil { continue }
                    } else if bloom.insert(view.fingerprint), firstKey(view, in: keys, count: n, stride: 1, heapBase: heapBase) != nil {
                        continue
                    }
                }
                out[n] = item.index
                n += 1
            }
            return n == items.count ? items : out[..<n].map { PickleRef($0) }
        }
    }

    /// The fingerprints of the `count` keys at `keys`, every `stride`-th item (2 for a dict, 1 for a set).
    @inline(never)
    func fingerprints(_ keys: UnsafePointer<Int>, count: Int, stride: Int, heapBase: UnsafePointer<UInt8>?) -> PickleKeyBloom {
        var bloom = PickleKeyBloom()
        for p in 0 ..< count {
            if let view = keyView(keys[stride * p], heapBase: heapBase) { _ = bloom.insert(view.fingerprint) }
        }
        return bloom
    }

    /// ``mergePairs(into:_:_:heapBase:)`` and ``addUnique(to:_:_:heapBase:)`` for containers past
    /// ``linearKeyScanLimit``: entries of `stride` items (key and value, or an element) found by a hash table.
    @inline(never)
    mutating func mergeHashed(into target: Int, _ r: inout PickleRawNode, _ kv: UnsafeBufferPointer<Int>, stride: Int,
                              heapBase: UnsafePointer<UInt8>?) throws(PickleError) {
        // Creating a table seeds a Hasher: it is kept, and made once per container.
        var table = keyTables.removeValue(forKey: target) ?? PickleKeyTable()
        let keys = UnsafePointer(st.items.base + r.start)
        // Entries added since the table was kept (by the scanning path, after repeats kept the container small).
        while stride * table.covered < Int(r.count) {
            if let view = keyView(keys[stride * table.covered], heapBase: heapBase) {
                _ = tableFindOrInsert(&table, view, entry: table.covered, keys: keys, stride: stride, heapBase: heapBase)
            }
            table.covered += 1
        }
        var k = 0
        while k < kv.count {
            let key = kv[k]
            if let view = keyView(key, heapBase: heapBase),
               let at = tableFindOrInsert(&table, view, entry: Int(r.count) / stride, keys: keys, stride: stride, heapBase: heapBase) {
                if stride == 2 { st.items[r.start + 2 * at + 1] = kv[k + 1] }  // the last value
                k += stride
                continue
            }
            // A set's size was checked for all its new elements by the caller.
            guard stride == 1 || Int(r.count) / 2 < limits.maxContainerElements else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            for j in 0 ..< stride { st.items[r.start + Int(r.count) + j] = kv[k + j] }
            r.count += UInt32(stride)
            table.covered += 1
            k += stride
        }
        // Kept even when empty, so a dict of unmergeable keys is not rescanned on every SETITEM.
        keyTables[target] = table
    }

    /// Position of the first of the `count` entries at `keys` (`stride` items each, the key first) whose key equals `view`.
    @inline(__always)
    func firstKey(_ view: PickleKeyView, in keys: UnsafePointer<Int>, count: Int, stride: Int,
                  heapBase: UnsafePointer<UInt8>?) -> Int? {
        if view.kind == .text {
            // The common case, str against str: lengths differ for most keys, and no view is built.
            let n = UInt32(truncatingIfNeeded: view.count)
            for p in 0 ..< count {
                let key = keys[stride * p]
                let k = st.raw.base[key]
                if k.tag == .string {
                    guard k.count == n else { continue }
                    guard n > 0, let mine = view.bytes else { return p }
                    let offset = Int(truncatingIfNeeded: k.payload)
                    guard let theirs = k.inHeap ? heapBase.map({ $0 + offset }) : base + offset else { continue }
                    if memcmp(theirs, mine, view.count) == 0 { return p }
                    continue
                }
                if let other = keyView(key, heapBase: heapBase), other.equals(view) { return p }
            }
            return nil
        }
        for p in 0 ..< count {
            if let other = keyView(keys[stride * p], heapBase: heapBase), other.equals(view) { return p }
        }
        return nil
    }

    /// The entry whose key equals `view`, or nil after recording `entry` as its position.
    func tableFindOrInsert(_ table: inout PickleKeyTable, _ view: PickleKeyView, entry: Int, keys: UnsafePointer<Int>,
                           stride: Int, heapBase: UnsafePointer<UInt8>?) -> Int? {
        if 2 * (table.used + 1) > table.slots.count {
            // Rehash into twice the room (positions are re-read from the container's items).
            let old = table.slots
            table.slots = [Int](repeating: 0, count: max(64, 2 * old.count))
            table.used = 0
            for slot in old where slot != 0 {
                guard let v = keyView(keys[stride * (slot - 1)], heapBase: heapBase) else { continue }
                var i = v.hash(seed: table.seed) & (table.slots.count - 1)
                while table.slots[i] != 0 { i = (i + 1) & (table.slots.count - 1) }
                table.slots[i] = slot
                table.used += 1
            }
        }
        let mask = table.slots.count - 1
        var i = view.hash(seed: table.seed) & mask
        while table.slots[i] != 0 {
            let at = table.slots[i] - 1
            if let other = keyView(keys[stride * at], heapBase: heapBase), other.equals(view) { return at }
            i = (i + 1) & mask
        }
        table.slots[i] = entry + 1
        table.used += 1
        return nil
    }
}
