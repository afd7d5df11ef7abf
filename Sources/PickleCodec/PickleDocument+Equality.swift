extension PickleDocument {
    /// Deep structural equality of two values, possibly in different documents.
    ///
    /// Iterative with an explicit stack; a pair of nodes already under comparison
    /// is assumed equal, so cycles (and shared references) terminate. Order matters
    /// everywhere (dicts and sets compare in pickle order); floats compare by bit
    /// pattern, so `nan` equals the same `nan` and `0.0` differs from `-0.0`.
    /// - Parameters:
    ///   - a: first document; `ar` a value in it.
    ///   - b: second document; `br` a value in it.
    /// - Returns: true when both graphs have the same shape and values.
    public static func structurallyEqual(_ a: PickleDocument, _ ar: PickleRef, _ b: PickleDocument, _ br: PickleRef) -> Bool {
        struct Pair: Hashable { var a: Int; var b: Int }
        var pending = [Pair(a: ar.index, b: br.index)]
        var assumed = Set<Pair>()
        func refs(_ x: PickleRef?, _ y: PickleRef?) -> Bool? {
            switch (x, y) {
            case (nil, nil): return true
            case (let x?, let y?): pending.append(Pair(a: x.index, b: y.index)); return true
            default: return false
            }
        }
        func all(_ xs: [PickleRef], _ ys: [PickleRef]) -> Bool {
            guard xs.count == ys.count else { return false }
            for (x, y) in zip(xs, ys) { pending.append(Pair(a: x.index, b: y.index)) }
            return true
        }
        while let p = pending.popLast() {
            guard p.a >= 0, p.a < a.nodes.count, p.b >= 0, p.b < b.nodes.count else { return false }
            guard assumed.insert(p).inserted else { continue }
            switch (a.nodes[p.a], b.nodes[p.b]) {
            case (.none, .none): continue
            case (.bool(let x), .bool(let y)): if x != y { return false }
            case (.int(let x), .int(let y)): if x != y { return false }
            case (.bigInt(let x), .bigInt(let y)): if x != y { return false }
            case (.float(let x), .float(let y)): if x.bitPattern != y.bitPattern { return false }
            case (.string(let x), .string(let y)):
                if !x.unicodeScalars.elementsEqual(y.unicodeScalars) { return false }
            case (.py2String(let x), .py2String(let y)): if x != y { return false }
            case (.bytes(let x), .bytes(let y)), (.bytearray(let x), .bytearray(let y)): if x != y { return false }
            case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)),
                 (.set(let x), .set(let y)), (.frozenset(let x), .frozenset(let y)):
                if !all(x, y) { return false }
            case (.dict(let x), .dict(let y)):
                if x.subclass != y.subclass || !all(x.keys, y.keys) || !all(x.values, y.values) { return false }
            case (.datetime(let x), .datetime(let y)):
                if x.date != y.date || !sameTime(x.time, y.time) || refs(x.time.tzinfo, y.time.tzinfo) != true { return false }
            case (.date(let x), .date(let y)): if x != y { return false }
            case (.time(let x), .time(let y)):
                if !sameTime(x, y) || refs(x.tzinfo, y.tzinfo) != true { return false }
            case (.timedelta(let x), .timedelta(let y)): if x != y { return false }
            case (.timezone(let x), .timezone(let y)): if x != y { return false }
            case (.decimal(let x), .decimal(let y)): if x != y { return false }
            case (.uuid(let x), .uuid(let y)): if x != y { return false }
            case (.global(let x), .global(let y)): if x != y { return false }
            case (.object(let x), .object(let y)):
                guard x.type == y.type, refs(x.args, y.args) == true, refs(x.kwargs, y.kwargs) == true,
                      refs(x.state, y.state) == true, all(x.listItems, y.listItems), all(x.dictItems, y.dictItems) else { return false }
            default:
                return false
            }
        }
        return true
    }

    private static func sameTime(_ x: PickleTime, _ y: PickleTime) -> Bool {
        x.hour == y.hour && x.minute == y.minute && x.second == y.second && x.microsecond == y.microsecond && x.fold == y.fold
    }
}
