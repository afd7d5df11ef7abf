extension PickleJSONExporter {
    /// A lower bound on the bytes the export of `root` writes (one per value, one per
    /// separator), computed in linear time over the shared graph.
    ///
    /// A value on no cycle is written the same way wherever it is reached, so its bound
    /// counts in full at every reference; a value on a cycle may become `{"$ref":"cycle"}`
    /// and counts one byte. Strongly connected components come from an iterative Tarjan
    /// walk. Lets a billion-laughs document fail at once instead of after writing the
    /// whole budget — with or without cycles elsewhere in the graph.
    func expansionLowerBound(_ root: PickleRef) -> Int {
        analyzeExpansion(root).bound
    }

    /// The bound, plus each node's strongly connected component (-1 when unreachable), whether
    /// it lies on a cycle, and whether it is referenced more than once (used by replay, see
    /// ``PickleJSONExporter``).
    func analyzeExpansion(_ root: PickleRef) -> (bound: Int, component: [Int], cyclic: [Bool], shared: [Bool]) {
        let count = document.nodes.count
        var component = [Int](repeating: -1, count: count)
        var shared = [Bool](repeating: false, count: count)
        var referenced = [Bool](repeating: false, count: count)
        var components = 0
        guard root.index >= 0, root.index < count else { return (0, component, shared, shared) }
        var order = [Int](repeating: -1, count: count)   // Tarjan index
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var cyclic = [Bool](repeating: false, count: count)
        var bound = [Int](repeating: 0, count: count)
        var componentStack: [Int] = []
        var walk: [(node: Int, children: [PickleRef], next: Int)] = []
        var counter = 0

        func start(_ v: Int) {
            order[v] = counter; low[v] = counter; counter += 1
            componentStack.append(v); onStack[v] = true
            walk.append((v, children(of: PickleRef(v)), 0))
        }
        start(root.index)
        while let top = walk.last {
            let v = top.node
            if top.next < top.children.count {
                let w = top.children[top.next].index
                walk[walk.count - 1].next += 1
                guard w >= 0, w < count else { continue }
                if referenced[w] { shared[w] = true } else { referenced[w] = true }
                if order[w] == -1 {
                    start(w)
                } else if onStack[w] {
                    low[v] = min(low[v], order[w])
                    if w == v { cyclic[v] = true }
                }
                continue
            }
            walk.removeLast()
            // Children still on the component stack (v included) share v's component: they are on a cycle.
            var total = 1 + top.children.count
            for c in top.children {
                let w = c.index
                guard w >= 0, w < count, !onStack[w], !cyclic[w] else { continue }
                let (sum, overflow) = total.addingReportingOverflow(bound[w])
                total = overflow ? Int.max : sum
            }
            bound[v] = total
            if low[v] == order[v] {
                var members: [Int] = []
                while let m = componentStack.popLast() {
                    onStack[m] = false
                    members.append(m)
                    component[m] = components
                    if m == v { break }
                }
                components += 1
                if members.count > 1 { for m in members { cyclic[m] = true } }
            }
            if let parent = walk.last { low[parent.node] = min(low[parent.node], low[v]) }
        }
        return (bound[root.index], component, cyclic, shared)
    }

    private func children(of ref: PickleRef) -> [PickleRef] {
        // Containers from storage and scalars without building their `PickleNode` (perf: building them here
        // was about 5% of `decode --lines`); the rarer kinds as before.
        let storage = document.storage
        let record = storage.raw[ref.index]
        switch record.tag {
        case .none, .bool, .int, .float, .string, .py2String, .bytes, .bytearray, .bigInt, .date, .timedelta,
             .decimal, .timezone, .uuid:
            return []
        case .list, .tuple, .set, .frozenset: return storage.itemRefs(record)
        case .dict: return storage.itemRefs(record, by: 2) + storage.itemRefs(record, from: 1, by: 2)
        default: break
        }
        switch storage.node(at: ref.index) {
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items): return items
        case .dict(let d): return d.keys + d.values
        case .datetime(let dt): return dt.time.tzinfo.map { [$0] } ?? []
        case .time(let t): return t.tzinfo.map { [$0] } ?? []
        case .object(let o):
            var refs: [PickleRef] = []
            if let a = o.args { refs.append(a) }
            if let k = o.kwargs { refs.append(k) }
            if let s = o.state { refs.append(s) }
            return refs + o.listItems + o.dictItems
        default: return []
        }
    }
}
