extension PickleDocument {
    /// The text of a str or Python 2 str node, nil for anything else.
    public func text(of ref: PickleRef) -> String? {
        guard ref.index >= 0, ref.index < nodes.count else { return nil }
        switch self[ref] {
        case .string(let s): return s
        case .py2String(let b): return b.text
        default: return nil
        }
    }

    /// Value of a str (or Python 2 str) key in a dict node (plain dict or dict subclass such as
    /// `web.utils.Storage`); for an inert object, looks in its SETITEM items, then its dict state.
    /// - Parameters:
    ///   - key: the key's text.
    ///   - container: the dict or object.
    /// - Returns: the value's reference, or nil when absent or `container` is neither.
    public func value(forKey key: String, in container: PickleRef) -> PickleRef? {
        guard container.index >= 0, container.index < nodes.count else { return nil }
        let r = storage.raw[container.index]
        if r.tag == .dict { return find(key, inDict: r) }
        switch self[container] {
        case .dict(let d):
            return find(key, keys: d.keys, values: d.values)
        case .object(let o):
            var keys: [PickleRef] = [], values: [PickleRef] = []
            var i = 0
            while i + 1 < o.dictItems.count { keys.append(o.dictItems[i]); values.append(o.dictItems[i + 1]); i += 2 }
            if let v = find(key, keys: keys, values: values) { return v }
            guard let state = o.state else { return nil }
            switch self[state] {
            case .dict(let d): return find(key, keys: d.keys, values: d.values)
            case .tuple(let parts) where parts.count == 2:
                for p in parts {
                    if case .dict(let d) = self[p], let v = find(key, keys: d.keys, values: d.values) { return v }
                }
                return nil
            default: return nil
            }
        default:
            return nil
        }
    }

    /// ``find(_:keys:values:)`` on a dict's storage: ASCII keys compare as bytes, without building strings.
    private func find(_ key: String, inDict r: PickleRawNode) -> PickleRef? {
        var utf8 = key
        return utf8.withUTF8 { wanted -> PickleRef? in
            let asciiKey = wanted.allSatisfy { $0 < 0x80 }
            var found: PickleRef?
            var i = r.start
            let end = r.start + Int(r.count)
            while i + 1 < end {
                let k = storage.items[i]
                let kr = storage.raw[k]
                if kr.tag == .string || kr.tag == .py2String {
                    let same = storage.withBytes(of: kr) { bytes -> Bool in
                        if asciiKey && bytes.allSatisfy({ $0 < 0x80 }) {
                            return bytes.count == wanted.count && bytes.elementsEqual(wanted)
                        }
                        return text(of: PickleRef(k)) == key
                    }
                    if same { found = PickleRef(storage.items[i + 1]) }
                }
                i += 2
            }
            return found
        }
    }

    /// The last value stored under `key` (a later SETITEM replaces an earlier one, as in Python).
    private func find(_ key: String, keys: [PickleRef], values: [PickleRef]) -> PickleRef? {
        var found: PickleRef?
        for (k, v) in zip(keys, values) where text(of: k) == key { found = v }
        return found
    }

    /// Follows str keys from the root, e.g. `["user", "email"]`.
    /// - Parameter path: keys, outermost first; empty returns the root.
    /// - Returns: the value, or nil when a key is missing or a step is not a dict/object.
    public func lookup(path: [String]) -> PickleRef? {
        var current = root
        for key in path {
            guard let next = value(forKey: key, in: current) else { return nil }
            current = next
        }
        return current
    }

    /// UTC offset of an aware datetime/time's tzinfo when it is a fixed offset (a ``PickleNode/timezone``
    /// node within ±24 hours), else nil.
    /// - Parameter tzinfo: ``PickleTime/tzinfo``.
    public func utcOffset(of tzinfo: PickleRef?) -> PickleTimedelta? {
        guard let tzinfo, tzinfo.index >= 0, tzinfo.index < nodes.count,
              case .timezone(let tz) = self[tzinfo], tz.offset.isValidUTCOffset else { return nil }
        return tz.offset
    }
}
