/// Protocol 0 as Python 2's `cPickle` writes it (web.py sessions stored by Python 2).
///
/// `cPickle` memoizes an object only when its reference count is at least 2
/// while it is being saved, so what gets a PUT depends on who else holds it.
/// This pickler reproduces that from the document: a node's count is the
/// number of references to it in the document, plus one while a list, dict
/// or set is iterated (the iterator's reference), plus two for the root (the
/// caller's variable and the call's argument). Objects the pickler makes
/// itself (reduce argument tuples, datetime state strings) are held once and
/// never get a PUT. Strings shorter than two characters are never memoized,
/// as in `cPickle`. PUT ids start at 1.
///
/// Types Python 2 lacks (`bytes`, `datetime.timezone`) are written the way
/// CPython 3 writes them in protocol 0, which Python 2 also reads.
struct PickleTextPickler {
    typealias Key = PickleEncoderMemoKey

    enum Step {
        /// `save(node)`; `transient` adds the reference an iterator holds.
        case save(PickleRef, transient: Bool)
        /// Literal bytes.
        case raw([UInt8])
        /// `put(obj)`: a PUT only if the object is held at least twice.
        case put(Key?, refs: Int)
        /// Closes a non-empty tuple; a tuple that reached itself is popped and fetched instead.
        case tupleEnd(Key, count: Int, refs: Int)
        /// `save(cls)`.
        case global(PickleGlobal)
        /// `save(str)` of an interned Python 2 str (held by many, so memoized and shared).
        case internedString([UInt8])
        /// `save(timedelta)` held by its timezone and the argument tuple.
        case timedelta(PickleTimedelta)
        /// `save(unicode)` held by its owner and the argument tuple (a timezone's name).
        case ownedUnicode(String)
        /// The end of a node's steps.
        case finish(Int)
    }

    let doc: PickleDocument
    /// References to each node from reachable nodes.
    var refcount: [Int]
    /// Nodes on a reference cycle: always memoized, because cPickle would recurse forever on a
    /// cycle whose members are held only by each other.
    var onCycle: [Bool] = []
    /// Expansions of each node under way; see ``PickleEncoder/maxReentry``.
    var active: [UInt8] = []
    var out: [UInt8] = []
    var memo: [Key: Int] = [:]
    /// PUT ids handed out; cPickle numbers them from 1.
    var memoCount = 0
    var work: [Step] = []

    init(document: PickleDocument) {
        self.doc = document
        self.refcount = []
    }

    mutating func run() throws(PickleError) -> [UInt8] {
        refcount = try Self.countReferences(doc)
        onCycle = Self.nodesOnCycles(doc)
        active = [UInt8](repeating: 0, count: doc.nodes.count)
        out.reserveCapacity(256)
        work.append(.save(doc.root, transient: false))
        while let step = work.popLast() {
            try perform(step)
        }
        out.append(PickleOpcode.stop)
        return out
    }

    mutating func push(_ steps: [Step]) {
        work.append(contentsOf: steps.reversed())
    }

    /// References to each node from the nodes reachable from the root (each reachable node counted once).
    static func countReferences(_ doc: PickleDocument) throws(PickleError) -> [Int] {
        let n = doc.nodes.count
        guard doc.root.index >= 0 && doc.root.index < n else {
            throw PickleError(.unencodable, detail: "reference outside the document")
        }
        var counts = [Int](repeating: 0, count: n)
        var seen = [Bool](repeating: false, count: n)
        var stack = [doc.root.index]
        seen[doc.root.index] = true
        while let i = stack.popLast() {
            var failed = false
            PickleTextPickler.forEachChild(of: doc.nodes[i]) { ref in
                guard ref.index >= 0 && ref.index < n else { failed = true; return }
                counts[ref.index] += 1
                if !seen[ref.index] {
                    seen[ref.index] = true
                    stack.append(ref.index)
                }
            }
            if failed { throw PickleError(.unencodable, detail: "reference outside the document") }
        }
        return counts
    }

    /// Marks the nodes in strongly connected components with a cycle (Tarjan's algorithm, iterative).
    static func nodesOnCycles(_ doc: PickleDocument) -> [Bool] {
        let n = doc.nodes.count
        var result = [Bool](repeating: false, count: n)
        var index = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var sccStack: [Int] = []
        var counter = 0
        func children(_ v: Int) -> [Int] {
            var c: [Int] = []
            forEachChild(of: doc.nodes[v]) { if $0.index >= 0 && $0.index < n { c.append($0.index) } }
            return c
        }
        let root = doc.root.index
        guard root >= 0 && root < n else { return result }
        var calls: [(v: Int, children: [Int], next: Int)] = []
        func enter(_ v: Int) {
            index[v] = counter; low[v] = counter; counter += 1
            sccStack.append(v); onStack[v] = true
            calls.append((v, children(v), 0))
        }
        enter(root)
        while !calls.isEmpty {
            let top = calls.count - 1
            let v = calls[top].v
            if calls[top].next < calls[top].children.count {
                let w = calls[top].children[calls[top].next]
                calls[top].next += 1
                if index[w] == -1 {
                    enter(w)
                } else if onStack[w] {
                    low[v] = min(low[v], index[w])
                }
                continue
            }
            let selfLoop = calls[top].children.contains(v)
            calls.removeLast()
            if let parent = calls.last { low[parent.v] = min(low[parent.v], low[v]) }
            if low[v] == index[v] {
                var members: [Int] = []
                while let w = sccStack.popLast() {
                    onStack[w] = false
                    members.append(w)
                    if w == v { break }
                }
                if members.count > 1 || selfLoop {
                    for w in members { result[w] = true }
                }
            }
        }
        return result
    }

    static func forEachChild(of node: PickleNode, _ body: (PickleRef) -> Void) {
        switch node {
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items):
            items.forEach(body)
        case .dict(let d):
            for (k, v) in zip(d.keys, d.values) { body(k); body(v) }
        case .datetime(let dt):
            if let tz = dt.time.tzinfo { body(tz) }
        case .time(let t):
            if let tz = t.tzinfo { body(tz) }
        case .object(let o):
            if let a = o.args { body(a) }
            if let k = o.kwargs { body(k) }
            o.listItems.forEach(body)
            o.dictItems.forEach(body)
            if let s = o.state { body(s) }
        default:
            break
        }
    }

    // MARK: memo

    mutating func put(_ key: Key?, refs: Int) {
        guard refs >= 2 else { return }
        memoCount += 1
        let id = memoCount
        if let key { memo[key] = id }
        out.append(PickleOpcode.put)
        out.append(contentsOf: String(id).utf8)
        out.append(0x0A)
    }

    mutating func get(_ id: Int) {
        out.append(PickleOpcode.get)
        out.append(contentsOf: String(id).utf8)
        out.append(0x0A)
    }

    /// Writes a GET and returns true when `key` is already in the memo.
    mutating func fetched(_ key: Key) -> Bool {
        guard let id = memo[key] else { return false }
        get(id)
        return true
    }

    mutating func perform(_ step: Step) throws(PickleError) {
        switch step {
        case .save(let ref, let transient):
            try save(ref, transient: transient)
        case .raw(let bytes):
            out.append(contentsOf: bytes)
        case .put(let key, let refs):
            put(key, refs: refs)
        case .tupleEnd(let key, let count, let refs):
            if let id = memo[key] {
                // Recursive tuple: cPickle pops the items and the MARK, then fetches the memo.
                out.append(contentsOf: repeatElement(PickleOpcode.pop, count: count + 1))
                get(id)
            } else {
                out.append(PickleOpcode.tuple)
                put(key, refs: refs)
            }
        case .global(let g):
            let key = Key.global(g)
            if fetched(key) { return }
            let w = PickleEncoder.python2Global(g)
            try PickleEncoder.checkGlobalLine(w)
            out.append(PickleOpcode.global)
            out.append(contentsOf: w.module.utf8)
            out.append(0x0A)
            out.append(contentsOf: w.name.utf8)
            out.append(0x0A)
            put(key, refs: 2)
        case .internedString(let bytes):
            let key = Key.interned(String(decoding: bytes, as: UTF8.self))
            if fetched(key) { return }
            writeString(bytes)
            put(key, refs: 2)
        case .timedelta(let td):
            push(timedeltaSteps(td, key: nil, refs: 2))
        case .finish(let index):
            active[index] -= 1
        case .ownedUnicode(let s):
            writeUnicode(s)
            if s.unicodeScalars.count >= 2 { put(nil, refs: 2) }
        }
    }

}
