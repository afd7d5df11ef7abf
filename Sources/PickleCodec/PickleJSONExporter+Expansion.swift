extension PickleJSONExporter {
    /// A lower bound on the bytes the export of `root` would write (one per value, one
    /// per separator), computed over the shared graph in linear time, or nil when the
    /// graph below `root` has a cycle (then sizes depend on the path and the running
    /// budget check alone applies).
    ///
    /// Lets a billion-laughs document fail at once instead of after writing the whole budget.
    func expansionLowerBound(_ root: PickleRef) -> Int? {
        let count = document.nodes.count
        guard root.index >= 0, root.index < count else { return nil }
        var color = [UInt8](repeating: 0, count: count)  // 0 new, 1 on the walk, 2 done
        var size = [Int](repeating: 0, count: count)
        var stack: [(node: Int, children: [PickleRef], next: Int)] = [(root.index, children(of: root), 0)]
        color[root.index] = 1
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next < stack[top].children.count {
                let child = stack[top].children[stack[top].next].index
                stack[top].next += 1
                guard child >= 0, child < count else { return nil }
                switch color[child] {
                case 1: return nil
                case 2: continue
                default:
                    color[child] = 1
                    stack.append((child, children(of: PickleRef(child)), 0))
                }
            } else {
                let (node, kids, _) = stack.removeLast()
                var total = 1 + kids.count
                for k in kids {
                    let (sum, overflow) = total.addingReportingOverflow(size[k.index])
                    total = overflow ? Int.max : sum
                }
                size[node] = total
                color[node] = 2
            }
        }
        return size[root.index]
    }

    private func children(of ref: PickleRef) -> [PickleRef] {
        switch document.nodes[ref.index] {
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
