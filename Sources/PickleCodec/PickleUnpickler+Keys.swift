#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Repeated dict keys: Python keeps the first key's position and the last value.
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
        case .string, .py2String, .bytes, .bigInt:
            let offset = Int(truncatingIfNeeded: r.payload), n = Int(r.count)
            let p: UnsafePointer<UInt8>? = r.inHeap ? heapBase.map { $0 + offset } : base + offset
            // A big int that a double holds exactly equals that float: both take the float's view.
            if r.tag == .bigInt, let p, let d = PickleKeyView.exactDouble(twosComplement: p, count: n) {
                return PickleKeyView(kind: .float, number: d.bitPattern)
            }
            let kind: PickleKeyView.Kind
            switch r.tag {
            case .string: kind = .text
            case .py2String: kind = p.map { PickleUTF8.isASCII($0, n) } ?? true ? .text : .py2Bytes
            case .bytes: kind = .bytes
            default: kind = .bigInt
            }
            return PickleKeyView(kind: kind, bytes: p, count: n)
        default:
            return nil
        }
    }

    /// Appends the pairs of `kv` to dict `target` (region `r`, room already reserved), merging repeated keys.
    mutating func mergePairs(into target: Int, _ r: inout PickleRawNode, _ kv: UnsafeBufferPointer<Int>, heapBase: UnsafePointer<UInt8>?) throws(PickleError) {
        // Small dicts (web.py sessions) find a repeated key by scanning; larger ones keep a hash table.
        let hashed = Int(r.count) / 2 + kv.count / 2 > Self.linearKeyScanLimit
        // Only a hashed dict has a table: creating one seeds a Hasher, too dear for every SETITEM.
        var table: PickleKeyTable?
        var bloom = PickleKeyBloom()
        // One pair (protocol 0's SETITEM) is cheaper to scan for than to fingerprint the dict.
        let filtered = !hashed && kv.count > 2
        if filtered {
            for p in 0 ..< Int(r.count) / 2 {
                if let view = keyView(st.items.base[r.start + 2 * p], heapBase: heapBase) { _ = bloom.insert(view.fingerprint) }
            }
        }
        if hashed {
            if let known = keyTables.removeValue(forKey: target) {
                table = known
            } else {
                var fresh = PickleKeyTable()
                var p = 0
                while 2 * p < Int(r.count) {
                    if let view = keyView(st.items[r.start + 2 * p], heapBase: heapBase) {
                        _ = tableFindOrInsert(&fresh, view, pair: p, r, heapBase: heapBase)
                    }
                    p += 1
                }
                table = fresh
            }
        }
        var k = 0
        while k < kv.count {
            let key = kv[k], value = kv[k + 1]
            k += 2
            if let view = keyView(key, heapBase: heapBase) {
                let found: Int?
                if hashed {
                    found = tableFindOrInsert(&table!, view, pair: Int(r.count) / 2, r, heapBase: heapBase)
                } else {
                    // Scan only when a key with the same fingerprint is in the dict already.
                    found = !filtered || bloom.insert(view.fingerprint) ? firstKey(view, in: r, heapBase: heapBase) : nil
                }
                if let at = found {
                    st.items[r.start + 2 * at + 1] = value  // Python keeps the first key and the last value
                    continue
                }
            }
            guard Int(r.count) / 2 < limits.maxContainerElements else {
                throw fail(.limitExceeded, "container larger than maxContainerElements")
            }
            let at = r.start + Int(r.count)
            st.items[at] = key
            st.items[at + 1] = value
            r.count += 2
        }
        // Kept even when empty, so a dict of unmergeable keys is not rescanned on every SETITEM.
        if let table { keyTables[target] = table }
    }

    /// Position of the first pair of `r` whose key equals `view`.
    @inline(__always)
    func firstKey(_ view: PickleKeyView, in r: PickleRawNode, heapBase: UnsafePointer<UInt8>?) -> Int? {
        let pairs = Int(r.count) / 2
        let keys = st.items.base + r.start
        if view.kind == .text {
            // The common case, str against str: lengths differ for most keys, and no view is built.
            let n = UInt32(truncatingIfNeeded: view.count)
            for p in 0 ..< pairs {
                let key = keys[2 * p]
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
        for p in 0 ..< pairs {
            if let other = keyView(keys[2 * p], heapBase: heapBase), other.equals(view) { return p }
        }
        return nil
    }

    /// The pair whose key equals `view`, or nil after recording `pair` as its position.
    func tableFindOrInsert(_ table: inout PickleKeyTable, _ view: PickleKeyView, pair: Int, _ r: PickleRawNode,
                           heapBase: UnsafePointer<UInt8>?) -> Int? {
        if 2 * (table.used + 1) > table.slots.count {
            // Rehash into twice the room (positions are re-read from the dict's items).
            let old = table.slots
            table.slots = [Int](repeating: 0, count: max(64, 2 * old.count))
            table.used = 0
            for slot in old where slot != 0 {
                guard let v = keyView(st.items[r.start + 2 * (slot - 1)], heapBase: heapBase) else { continue }
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
            if let other = keyView(st.items[r.start + 2 * at], heapBase: heapBase), other.equals(view) { return at }
            i = (i + 1) & mask
        }
        table.slots[i] = pair + 1
        table.used += 1
        return nil
    }
}
