import Foundation
import Testing
import PickleCodec

/// Repeated dict keys and set elements, merged as Python merges them: a dict keeps the first
/// key's position and the last value, a set the first of equal elements; `1 == True == 1.0`,
/// `2**64 == 2.0**64`, a Python 2 ASCII str equals the same text, `"a" != b"a"`, NaN equals nothing.
///
/// The decoder scans small containers (remembering the fingerprints of the dicts protocol 0
/// fills one SETITEM at a time) and hashes large ones; every path must give CPython's result.
@Suite struct DecoderKeyMergeTests {
    // MARK: - Against CPython

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var b64: String
        var desc: String
        var testDescription: String { name }
    }

    /// `Fixtures/keymerge.jsonl`, written by `Fixtures/keymerge.py` with CPython's `pickle.loads`.
    static let cases: [Case] = {
        let text = try! String(contentsOfFile: DecoderFixtures.directory + "/keymerge.jsonl", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
            return Case(name: o["name"]!, b64: o["b64"]!, desc: o["desc"]!)
        }
    }()

    @Test(arguments: cases)
    func matchesCPython(_ c: Case) throws {
        let doc = try PickleDecoder().decode(base64Text: Array(c.b64.utf8))
        #expect(Self.desc(doc, doc.root) == c.desc)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
    }

    /// `desc()` of `Fixtures/keymerge.py`: type-tagged values, dicts in order, sets sorted.
    static func desc(_ doc: PickleDocument, _ ref: PickleRef) -> String {
        switch doc[ref] {
        case .none: return "None"
        case .bool(let b): return b ? "bool:True" : "bool:False"
        case .int(let v): return "int:\(v)"
        case .bigInt(let b): return "int:0x" + hex(b.twosComplement)
        case .float(let d): return "float:" + hex(withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init))
        case .string(let s): return "str:" + hex(Array(s.utf8))
        // Python 3 loads an ASCII Python 2 str as str; others have no Python 3 counterpart.
        case .py2String(let b): return (b.bytes.allSatisfy { $0 < 0x80 } ? "str:" : "py2:") + hex(b.bytes)
        case .bytes(let b): return "bytes:" + hex(b)
        case .tuple(let x): return "(" + x.map { desc(doc, $0) }.joined(separator: ", ") + ")"
        case .list(let x): return "[" + x.map { desc(doc, $0) }.joined(separator: ", ") + "]"
        case .dict(let d):
            return "{" + zip(d.keys, d.values).map { desc(doc, $0) + ": " + desc(doc, $1) }.joined(separator: ", ") + "}"
        case .set(let x): return "set{" + x.map { desc(doc, $0) }.sorted().joined(separator: ", ") + "}"
        case .frozenset(let x): return "frozenset{" + x.map { desc(doc, $0) }.sorted().joined(separator: ", ") + "}"
        default: return "?"
        }
    }

    // MARK: - Against a model, binary opcodes

    /// A key: its opcodes, its equality class (nil: equal to nothing else, as NaN or a tuple) and its desc.
    struct Key {
        var bytes: [UInt8]
        var equalityClass: Int?
        var desc: String
    }

    static func float(_ d: Double) -> [UInt8] { [0x47] + withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init) }
    static func floatDesc(_ d: Double) -> String { "float:" + hex(withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init)) }
    static func str(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }

    /// Every kind of key, equal ones sharing a class.
    static let keys: [Key] = {
        var k: [Key] = []
        func add(_ c: Int?, _ pairs: [([UInt8], String)]) { for (b, d) in pairs { k.append(Key(bytes: b, equalityClass: c, desc: d)) } }
        add(1, [([0x4B, 1], "int:1"), ([0x88], "bool:True"), (float(1), floatDesc(1)), ([0x8A, 1, 1], "int:1")])
        add(2, [([0x4B, 0], "int:0"), ([0x89], "bool:False"), (float(0), floatDesc(0)), (float(-0.0), floatDesc(-0.0))])
        add(3, [([0x4A, 0xFF, 0xFF, 0xFF, 0xFF], "int:-1"), (float(-1), floatDesc(-1))])
        add(4, [(float(1.5), floatDesc(1.5))])
        add(5, [([0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1], "int:0x000000000000000001"), (float(0x1p64), floatDesc(0x1p64))])
        add(6, [([0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 2], "int:0x000000000000000002"), (float(0x1p65), floatDesc(0x1p65))])
        add(7, [([0x8A, 9, 1, 0, 0, 0, 0, 0, 0, 0, 1], "int:0x010000000000000001")])  // 2**64 + 1: no double
        add(8, [([0x4E], "None")])
        add(9, [(str("a"), "str:61"), ([0x55, 1, 0x61], "str:61")])
        add(10, [([0x43, 1, 0x61], "bytes:61")])
        add(11, [([0x55, 1, 0xE9], "py2:e9")])  // a Python 2 str of one byte: neither text nor bytes
        add(12, [(str("\u{E9}"), "str:c3a9")])
        add(13, [([0x43, 1, 0xE9], "bytes:e9")])
        add(14, [(str("axbya"), "str:6178627961")])
        add(15, [(str("azbwa"), "str:617a627761")])  // the same length, first, middle and last bytes
        add(16, [(str(""), "str:"), ([0x55, 0], "str:")])
        add(17, [([0x43, 0], "bytes:")])
        add(nil, [(float(.nan), floatDesc(.nan)), (str("a") + [0x85], "(str:61)")])
        for i in 0 ..< 70 {
            add(100 + i, [i % 2 == 0 ? (str("f\(i)"), "str:" + hex(Array("f\(i)".utf8))) : ([0x4A] + withUnsafeBytes(of: Int32(1000 + i).littleEndian, Array.init), "int:\(1000 + i)")])
        }
        return k
    }()

    /// What a dict filled with `pairs` in this order is, as `desc` shows it.
    static func modelDict(_ pairs: [(Key, String)]) -> String {
        var order: [(String, String)] = []
        var position: [Int: Int] = [:]
        for (k, v) in pairs {
            if let c = k.equalityClass {
                if let at = position[c] { order[at].1 = v; continue }
                position[c] = order.count
            }
            order.append((k.desc, v))
        }
        return "{" + order.map { $0.0 + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    /// What a set of `elements` added in this order is, as `desc` shows it.
    static func modelSet(_ elements: [Key], kind: String = "set") -> String {
        var seen = Set<Int>()
        let kept = elements.filter { $0.equalityClass.map { seen.insert($0).inserted } ?? true }
        return kind + "{" + kept.map(\.desc).sorted().joined(separator: ", ") + "}"
    }

    struct Rng {
        var x: UInt64
        mutating func next(_ n: Int) -> Int {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return Int(x % UInt64(n))
        }
    }

    /// Builds a dict from random keys in one of four ways, with the model's view of it.
    struct DictBuilder {
        var rng: Rng
        var pool: [Key]
        var counter = 0
        var bytes: [UInt8] = []

        mutating func value() -> String {
            counter += 1
            bytes += [0x4A] + withUnsafeBytes(of: Int32(100_000 + counter).littleEndian, Array.init)
            return "int:\(100_000 + counter)"
        }

        mutating func key() -> Key {
            let k = pool[rng.next(pool.count)]
            bytes += k.bytes
            return k
        }

        /// One SETITEM per pair (protocol 0's shape); with `depth`, some values are dicts filled
        /// by SETITEMs of their own before their parent's SETITEM, so the parent's region moves.
        mutating func setItemEach(_ n: Int, depth: Int) -> String {
            bytes.append(0x7D)  // EMPTY_DICT
            var pairs: [(Key, String)] = []
            for _ in 0 ..< n {
                let k = key()
                let v = depth > 0 && rng.next(4) == 0 ? setItemEach(rng.next(8) + 1, depth: depth - 1) : value()
                bytes.append(0x73)  // SETITEM
                pairs.append((k, v))
            }
            return modelDict(pairs)
        }

        /// SETITEMS batches of random sizes (one batch when `batch` is nil), or the DICT opcode.
        mutating func batches(_ n: Int, batch: Int?, dictOpcode: Bool) -> String {
            if !dictOpcode { bytes.append(0x7D) }  // EMPTY_DICT
            var pairs: [(Key, String)] = []
            while pairs.count < n {
                let m = dictOpcode ? n : min(n - pairs.count, batch.map { rng.next($0) + 1 } ?? n)
                bytes.append(0x28)  // MARK
                for _ in 0 ..< m {
                    let k = key()
                    pairs.append((k, value()))
                }
                bytes.append(dictOpcode ? 0x64 : 0x75)  // DICT or SETITEMS
            }
            return modelDict(pairs)
        }
    }

    static func decodedDesc(_ bytes: [UInt8]) throws -> String {
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x04] + bytes + [0x2E])
        return desc(doc, doc.root)
    }

    /// Dicts of 1 to 140 pairs, keys from a pool small enough to repeat, nested or not, by
    /// SETITEM, SETITEMS batches, one SETITEMS, DICT: each as the model says.
    @Test(arguments: [1, 2, 5, 16, 31, 32, 33, 34, 40, 64, 65, 140])
    func dictsMatchTheModel(_ n: Int) throws {
        for seed in 1 ... 12 {
            // Few keys (many repeats) and many (dicts crossing the scan limit).
            let pool = seed % 2 == 0 ? Array(Self.keys.prefix(26)) : Self.keys
            for shape in 0 ..< 5 {
                var b = DictBuilder(rng: Rng(x: UInt64(seed * 1000 + n)), pool: pool)
                let want: String
                switch shape {
                case 0: want = b.setItemEach(n, depth: 0)
                case 1: want = b.setItemEach(n, depth: 2)
                case 2: want = b.batches(n, batch: 12, dictOpcode: false)
                case 3: want = b.batches(n, batch: nil, dictOpcode: false)
                default: want = b.batches(n, batch: nil, dictOpcode: true)
                }
                #expect(try Self.decodedDesc(b.bytes) == want, "n \(n) seed \(seed) shape \(shape)")
            }
        }
    }

    /// A dict that went past the scan limit with only repeats, got a new key by SETITEM while
    /// small, then a batch repeating that key past the limit again: the key is found.
    @Test func keyAddedWhileSmallIsFoundOncePastTheLimit() throws {
        let filler = Self.keys.filter { ($0.equalityClass ?? 0) >= 100 }
        var p: [UInt8] = [0x7D]
        var pairs: [(Key, String)] = []
        var counter = 0
        func pair(_ k: Key) -> [UInt8] {
            counter += 1
            pairs.append((k, "int:\(counter)"))
            return k.bytes + [0x4A] + withUnsafeBytes(of: Int32(counter).littleEndian, Array.init)
        }
        for k in filler.prefix(20) { p += pair(k) + [0x73] }
        p += [0x28] + filler.prefix(13).flatMap { pair($0) } + [0x75]
        let new = Self.keys.first { $0.equalityClass == 9 }!
        p += pair(new) + [0x73]
        p += [0x28] + pair(Self.keys.first { $0.equalityClass == 9 && $0.bytes[0] == 0x55 }!) + filler.prefix(11).flatMap { pair($0) } + [0x75]
        #expect(try Self.decodedDesc(p) == Self.modelDict(pairs))
    }

    // MARK: - Sets

    /// Sets of 0 to 100 random elements by ADDITEMS batches, FROZENSET and `set(list)`: each as the model says.
    @Test(arguments: [0, 1, 2, 7, 31, 32, 33, 60, 100])
    func setsMatchTheModel(_ n: Int) throws {
        for seed in 1 ... 12 {
            var rng = Rng(x: UInt64(seed * 7919 + n))
            let pool = seed % 2 == 0 ? Array(Self.keys.prefix(26)) : Self.keys
            let elements = (0 ..< n).map { _ in pool[rng.next(pool.count)] }
            // ADDITEMS in batches of random sizes.
            var p: [UInt8] = [0x8F]
            var i = 0
            while i < n {
                let m = min(n - i, rng.next(20) + 1)
                p += [0x28] + elements[i ..< i + m].flatMap(\.bytes) + [0x90]
                i += m
            }
            #expect(try Self.decodedDesc(p) == Self.modelSet(elements), "ADDITEMS n \(n) seed \(seed)")
            let frozen = [0x28] + elements.flatMap(\.bytes) + [0x91]
            #expect(try Self.decodedDesc(frozen) == Self.modelSet(elements, kind: "frozenset"), "FROZENSET n \(n) seed \(seed)")
            // `builtins.set([...])` by REDUCE, as protocols 2 and 3 write a set.
            for (name, kind) in [("set", "set"), ("frozenset", "frozenset")] {
                let reduce = Array("cbuiltins\n\(name)\n".utf8) + [0x5D, 0x28] + elements.flatMap(\.bytes) + [0x65, 0x85, 0x52]
                #expect(try Self.decodedDesc(reduce) == Self.modelSet(elements, kind: kind), "REDUCE \(name) n \(n) seed \(seed)")
            }
        }
    }

    /// `{1, True, 1.0}` keeps the first; `"a"`, `b"a"` and Python 2's `'a'` make two elements.
    @Test func setKeepsTheFirstOfEqualElements() throws {
        #expect(try Self.decodedDesc([0x8F, 0x28, 0x88, 0x4B, 1, 0x47, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x90]) == "set{bool:True}")
        #expect(try Self.decodedDesc([0x28, 0x4B, 1, 0x88, 0x91]) == "frozenset{int:1}")
        #expect(try Self.decodedDesc([0x8F, 0x28, 0x8C, 1, 0x61, 0x43, 1, 0x61, 0x55, 1, 0x61, 0x90]) == "set{bytes:61, str:61}")
        // A second ADDITEMS repeating the first's elements adds nothing.
        #expect(try Self.decodedDesc([0x8F, 0x28, 0x4B, 1, 0x4B, 2, 0x90, 0x28, 0x4B, 2, 0x88, 0x4B, 3, 0x90]) == "set{int:1, int:2, int:3}")
    }

    /// A list or dict filled one APPEND or SETITEM at a time, with lists filled in between (so its
    /// region has room to spare, or moves), holds what one APPENDS or SETITEMS gives.
    @Test(arguments: [1, 2, 3, 63, 64, 65, 66, 130, 300])
    func oneAtATimeMatchesOneBatch(_ n: Int) throws {
        var each: [UInt8] = [0x5D], batch: [UInt8] = [0x5D, 0x28]
        var eachDict: [UInt8] = [0x7D], batchDict: [UInt8] = [0x7D, 0x28]
        for i in 0 ..< n {
            let item: [UInt8] = i % 5 == 0 ? [0x5D, 0x4B, UInt8(i & 0xFF), 0x61] : [0x4B, UInt8(i & 0xFF)]
            each += item + [0x61]  // APPEND
            batch += item
            let key = [0x4A] + withUnsafeBytes(of: Int32(i % 97).littleEndian, Array.init)
            eachDict += key + item + [0x73]  // SETITEM
            batchDict += key + item
        }
        #expect(try Self.decodedDesc(each) == Self.decodedDesc(batch + [0x65]))
        #expect(try Self.decodedDesc(eachDict) == Self.decodedDesc(batchDict + [0x75]))
    }

    // MARK: - Limits and errors, unchanged

    /// Merged keys are not counted against maxContainerElements; set elements are counted before merging.
    @Test func limitsCountWhatTheyCountedBefore() throws {
        var limits = PickleLimits.default
        limits.maxContainerElements = 3
        let a: [UInt8] = [0x8C, 1, 0x61], b: [UInt8] = [0x8C, 1, 0x62], c: [UInt8] = [0x8C, 1, 0x63], d: [UInt8] = [0x8C, 1, 0x64]
        var p: [UInt8] = [0x80, 0x04, 0x7D]
        for k in [a, b, c, a, b, c, a] { p += k + [0x4E, 0x73] }
        #expect(decodeError(p + [0x2E], limits: limits) == nil)
        #expect(decodeError(p + d + [0x4E, 0x73, 0x2E], limits: limits) == .limitExceeded)
        #expect(decodeError([0x80, 0x04, 0x7D, 0x28] + a + [0x4E] + b + [0x4E] + a + [0x4E] + c + [0x4E] + b + [0x4E, 0x75, 0x2E], limits: limits) == nil)
        #expect(decodeError([0x80, 0x04, 0x8F, 0x28, 0x4B, 1, 0x4B, 1, 0x4B, 2, 0x90, 0x2E], limits: limits) == nil)
        #expect(decodeError([0x80, 0x04, 0x8F, 0x28, 0x4B, 1, 0x4B, 1, 0x4B, 1, 0x4B, 2, 0x90, 0x2E], limits: limits) == .limitExceeded)
        #expect(decodeError([0x80, 0x04, 0x28, 0x4B, 1, 0x4B, 1, 0x4B, 1, 0x4B, 2, 0x91, 0x2E], limits: limits) == .limitExceeded)
    }

    @Test func unhashableElementsStillRefused() {
        #expect(decodeError([0x80, 0x04, 0x8F, 0x28, 0x4B, 1, 0x5D, 0x90, 0x2E]) == .unhashableKey)
        #expect(decodeError([0x80, 0x04, 0x28, 0x4B, 1, 0x4B, 1, 0x7D, 0x91, 0x2E]) == .unhashableKey)
        #expect(decodeError([0x80, 0x04, 0x7D, 0x5D, 0x4B, 1, 0x73, 0x2E]) == .unhashableKey)
    }
}
