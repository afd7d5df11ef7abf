extension PickleJSONExporter {
    /// An upper bound on ``analyzeExpansion(_:)``'s `bound` for a document whose containers form a
    /// tree, found without allocating; nil when the document may not be one (then the full
    /// analysis runs).
    ///
    /// A tree here: every node is a storage scalar, a global, a leaf extra, a container, or a
    /// datetime whose tzinfo is a timezone, and no container is referenced twice (the root counts
    /// as referenced once). Then nothing is shared but leaves and nothing is on a cycle (a cycle
    /// reachable from the root would give one of its containers a second reference), so the
    /// analysis would find no cycles and replay nothing, and its bound is at most one per
    /// container plus four per item slot (a datetime counts three: itself, the separator, its
    /// tzinfo). Shared scalars stay bounded by the writer's budget checks, as before.
    ///
    /// Uses `onPath` (all 0 on entry) as the "referenced" marks and clears it again.
    mutating func treeBound(_ root: PickleRef) -> Int? {
        let storage = document.storage
        let raw = storage.raw, items = storage.items
        let n = raw.count
        guard n == onPath.count, root.index >= 0, root.index < n else { return nil }
        var slots = 0
        for i in 0 ..< n {
            let r = raw.base[i]
            switch r.tag {
            case .none, .bool, .int, .float, .string, .py2String, .bytes, .bytearray, .bigInt, .global, .date,
                 .timedelta, .decimal, .timezone, .uuid:
                continue
            case .list, .tuple, .set, .frozenset, .dict:
                let start = r.start, count = Int(r.count)
                guard start >= 0, count <= items.count - start else { return nil }
                slots += count
            case .datetime:
                guard r.ext == 0 || isTimezone(Int(r.ext) - 1) else { return nil }
            case .extra:
                guard isLeafExtra(r) else { return nil }
            case .newObject:
                return nil
            }
        }
        // Second pass: mark each container as it is referenced; a second mark means sharing.
        var shared = false
        if raw.base[root.index].isContainer { onPath[root.index] = 1 }
        outer: for i in 0 ..< n where raw.base[i].isContainer {
            let r = raw.base[i]
            for slot in r.start ..< r.start + Int(r.count) {
                let w = items.base[slot]
                guard w >= 0, w < n else { shared = true; break outer }
                guard raw.base[w].isContainer else { continue }
                if onPath[w] != 0 { shared = true; break outer }
                onPath[w] = 1
            }
        }
        onPath.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        return shared ? nil : n + 4 * slots + 3
    }

    private func isTimezone(_ i: Int) -> Bool {
        let storage = document.storage
        guard i >= 0, i < storage.raw.count else { return false }
        let r = storage.raw.base[i]
        if r.tag == .timezone { return true }
        guard r.tag == .extra, case .timezone = storage.extras[Int(truncatingIfNeeded: r.payload)] else { return false }
        return true
    }

    /// An extra that ``children(of:)`` gives no children (neither a container, an object nor a date/time).
    private func isLeafExtra(_ r: PickleRawNode) -> Bool {
        let extras = document.storage.extras
        let k = Int(truncatingIfNeeded: r.payload)
        guard k >= 0, k < extras.count else { return false }
        switch extras[k] {
        case .none, .bool, .int, .bigInt, .float, .string, .py2String, .bytes, .bytearray, .date, .timedelta,
             .timezone, .decimal, .uuid, .global:
            return true
        case .list, .tuple, .set, .frozenset, .dict, .datetime, .time, .object:
            return false
        }
    }
}
