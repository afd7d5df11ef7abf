import Testing
import PickleCodec

/// Values the decoder records without an entry in its side table of rarer values must read back
/// exactly as the general representation gives them: common globals kept as their index in the
/// decoder's table of common names, dict subclasses naming such a global, and
/// `datetime.timezone(offset)` kept as an offset record.
@Suite struct DecoderExtrasTests {
    /// Every name in the decoder's table of common names, as CPython 3 and 2 write them.
    static let commonNames: [(String, String)] = [
        ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timedelta"), ("datetime", "timezone"),
        ("datetime", "time"), ("decimal", "Decimal"), ("uuid", "UUID"), ("web.utils", "Storage"), ("_codecs", "encode"),
        ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytes"), ("builtins", "bytearray"),
        ("builtins", "object"), ("builtins", "dict"),
        ("__builtin__", "set"), ("__builtin__", "frozenset"), ("__builtin__", "bytearray"), ("__builtin__", "object"),
        ("__builtin__", "dict"),
        ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("copyreg", "__newobj_ex__"),
        ("copy_reg", "_reconstructor"), ("copy_reg", "__newobj__"), ("copy_reg", "__newobj_ex__"),
    ]

    /// Names next to the common ones (one byte off, other case, allowlisted but not common).
    static let otherNames: [(String, String)] = [
        ("datetime", "datetimes"), ("datetime", "Date"), ("datetim", "date"), ("datetime", "dates"), ("__builtin__", "bytes"),
        ("builtins", "sets"), ("web.utils", "storage"), ("web.utilz", "Storage"), ("collections", "OrderedDict"),
        ("uuid", "UUIE"), ("d", "d"), ("copyreg", "_reconstructo"), ("psycopg2.tz", "FixedOffsetTimezone"),
        ("decimal", "Decimal2"), ("builtins", "str"),
        // One byte changed anywhere in a common name of each length.
        ("copyreg", "__newobj_ex_X"), ("copyreg", "__nXwobj_ex__"), ("copy_reg", "_reconstrXctor"), ("datetime", "timedeltX"),
        ("datXtime", "date"), ("datetimX", "date"), ("builtins", "frozenseX"), ("__builtin__", "bytearrXy"),
        ("__builXin__", "dict"), ("web.utils", "StoXage"), ("web.Utils", "Storage"), ("_coXecs", "encode"),
        ("builtins", "sXt"), ("builtins", "seT"), ("uuid", "UUXD"), ("uuiX", "UUID"), ("decimal", "DecimaX"),
    ]

    /// GLOBAL: the name on two text lines.
    static func global(_ m: String, _ n: String) -> [UInt8] { [0x63] + asciiBytes("\(m)\n\(n)\n") }

    /// STACK_GLOBAL of two SHORT_BINUNICODE strings (kept as ranges of the input).
    static func stackGlobal(_ m: String, _ n: String) -> [UInt8] {
        [0x8C, UInt8(m.utf8.count)] + asciiBytes(m) + [0x94, 0x8C, UInt8(n.utf8.count)] + asciiBytes(n) + [0x94, 0x93]
    }

    /// STACK_GLOBAL of two UNICODE lines whose first character is escaped, so both texts live in the heap.
    static func heapStackGlobal(_ m: String, _ n: String) -> [UInt8] {
        func line(_ s: String) -> [UInt8] {
            let bytes = asciiBytes(s)
            let hex = Array("0123456789abcdef".utf8)
            return [0x56] + asciiBytes("\\u00") + [hex[Int(bytes[0] >> 4)], hex[Int(bytes[0] & 15)]] + bytes.dropFirst() + [0x0A]
        }
        return line(m) + line(n) + [0x93]
    }

    /// A document of one node, built by hand (the general representation).
    static func handBuilt(_ node: PickleNode) -> PickleDocument { PickleDocument(nodes: [node], root: PickleRef(0)) }

    /// Same value, equality, canonical JSON (or error) and description as the document rebuilt from its nodes.
    static func expectSameAsRebuilt(_ doc: PickleDocument, _ comment: Comment) {
        let rebuilt = PickleDocument(nodes: Array(doc.nodes), root: doc.root)
        #expect(Array(doc.nodes) == Array(rebuilt.nodes), comment)
        #expect(PickleDocument.structurallyEqual(doc, doc.root, rebuilt, rebuilt.root), comment)
        #expect(json(doc) == json(rebuilt), comment)
        #expect(doc.description == rebuilt.description, comment)
    }

    static func json(_ doc: PickleDocument) -> String {
        do { return try doc.canonicalJSON() } catch { return "error \(error.code)" }
    }

    static func decoded(_ pickle: [UInt8]) -> String {
        do { return json(try PickleDecoder().decode(pickle: pickle)) } catch { return "error \(error.code)" }
    }

    // MARK: - Globals

    /// Every common name (and every near miss) reads back as the same ``PickleGlobal`` by GLOBAL,
    /// by STACK_GLOBAL of input strings and of heap strings, as a hand-built node would.
    @Test func everyGlobalReadsBack() throws {
        for (m, n) in Self.commonNames + Self.otherNames {
            let g = PickleGlobal(module: m, name: n)
            let hand = Self.handBuilt(.global(g))
            for pickle in [Self.global(m, n) + [0x2E], [0x80, 0x04] + Self.stackGlobal(m, n) + [0x2E],
                           Self.heapStackGlobal(m, n) + [0x2E]] {
                let doc = try PickleDecoder().decode(pickle: pickle)
                #expect(doc[doc.root] == .global(g), "\(g)")
                #expect(PickleDocument.structurallyEqual(doc, doc.root, hand, hand.root), "\(g)")
                #expect(Self.json(doc) == Self.json(hand), "\(g)")
                Self.expectSameAsRebuilt(doc, "\(g)")
            }
        }
    }

    /// A memoized global fetched again is the same node, with the same value.
    @Test func memoizedGlobalReadsBack() throws {
        let pickle: [UInt8] = [0x80, 0x04, 0x28] + Self.stackGlobal("datetime", "date") + [0x94, 0x68, 0x02, 0x6C, 0x2E]
        let doc = try PickleDecoder().decode(pickle: pickle)
        guard case .list(let items) = doc[doc.root], items.count == 2 else { Issue.record("not a list"); return }
        #expect(items[0] == items[1])
        #expect(doc[items[1]] == .global(PickleGlobal(module: "datetime", name: "date")))
    }

    /// A common name is classified as the general path classifies it: GLOBAL + REDUCE (table) gives
    /// what INST (names read as text, classified from the strings) gives, for a few argument shapes.
    @Test func commonGlobalsConstructAsInst() {
        let argumentSets: [[UInt8]] = [[], [0x5D], [0x4E], [0x29], [0x8C, 0x01, 0x61], [0x43, 0x04, 0x07, 0xE8, 0x02, 0x1D],
                                       [0x8C, 0x04] + asciiBytes("1.50")]
        for (m, n) in Self.commonNames + Self.otherNames {
            for args in argumentSets {
                let inst: [UInt8] = [0x28] + args + [0x69] + asciiBytes("\(m)\n\(n)\n") + [0x2E]
                let reduce: [UInt8] = Self.global(m, n) + [0x28] + args + [0x74, 0x52, 0x2E]
                let stack: [UInt8] = [0x80, 0x04] + Self.stackGlobal(m, n) + [0x28] + args + [0x74, 0x52, 0x2E]
                let expected = Self.decoded(inst)
                #expect(Self.decoded(reduce) == expected, "\(m).\(n) \(args)")
                #expect(Self.decoded(stack) == expected, "\(m).\(n) \(args)")
            }
        }
    }

    // MARK: - Dict subclasses

    /// `web.utils.Storage` by NEWOBJ (GLOBAL and STACK_GLOBAL) and by `copy_reg._reconstructor` keeps its subclass;
    /// so does a subclass outside the common table.
    @Test func dictSubclassesKeepTheirClass() throws {
        let storage = PickleGlobal(module: "web.utils", name: "Storage")
        let lower = PickleGlobal(module: "web.utils", name: "storage")
        let item: [UInt8] = [0x8C, 0x01, 0x61, 0x4B, 0x01, 0x73]  // 'a': 1, SETITEM
        let cases: [([UInt8], PickleGlobal)] = [
            ([0x80, 0x02] + Self.global("web.utils", "Storage") + [0x29, 0x81] + item + [0x2E], storage),
            ([0x80, 0x04] + Self.stackGlobal("web.utils", "Storage") + [0x29, 0x81] + item + [0x2E], storage),
            (Self.heapStackGlobal("web.utils", "Storage") + [0x29, 0x81] + item + [0x2E], storage),
            ([0x80, 0x04] + Self.stackGlobal("web.utils", "storage") + [0x29, 0x81] + item + [0x2E], lower),
            (Self.global("copy_reg", "_reconstructor") + [0x28] + Self.global("web.utils", "Storage")
                + Self.global("__builtin__", "dict") + [0x7D, 0x74, 0x52] + item + [0x2E], storage),
            (Self.global("copyreg", "_reconstructor") + [0x28] + Self.global("web.utils", "storage")
                + Self.global("builtins", "object") + [0x4E, 0x74, 0x52] + item + [0x2E], lower),
        ]
        for (pickle, subclass) in cases {
            let doc = try PickleDecoder().decode(pickle: pickle)
            guard case .dict(let d) = doc[doc.root] else { Issue.record("not a dict: \(subclass)"); continue }
            #expect(d.subclass == subclass)
            #expect(d.keys.map { doc.text(of: $0) } == ["a"])
            #expect(doc[d.values[0]] == .int(1))
            let hand = PickleDocument(nodes: [.dict(PickleDict(keys: [PickleRef(1)], values: [PickleRef(2)], subclass: subclass)),
                                             .string("a"), .int(1)], root: PickleRef(0))
            #expect(PickleDocument.structurallyEqual(doc, doc.root, hand, hand.root))
            #expect(Self.json(doc) == Self.json(hand))
            Self.expectSameAsRebuilt(doc, "\(subclass)")
        }
    }

    // MARK: - REDUCE of datetime values

    /// datetime, date and timedelta by REDUCE (the fast path) give what INST gives (the general path,
    /// which classifies the names as text): values, and errors at the edges of every field.
    @Test func dateTimeReduceMatchesTheGeneralPath() {
        func both(_ module: String, _ name: String, _ args: [UInt8]) -> (String, String) {
            let reduce = [0x80, 0x04] + Self.stackGlobal(module, name) + [0x28] + args + [0x74, 0x52, 0x2E]
            let inst = [0x28] + args + [0x69] + asciiBytes("\(module)\n\(name)\n") + [0x2E]
            return (Self.decoded(reduce), Self.decoded(inst))
        }
        func state(_ bytes: [UInt8]) -> [UInt8] { [0x43, UInt8(bytes.count)] + bytes }
        let zone: [UInt8] = Self.global("datetime", "timezone") + Self.global("datetime", "timedelta")
            + [0x4B, 0x00, 0x4D, 0x10, 0x0E, 0x4B, 0x00, 0x87, 0x52, 0x85, 0x52]  // timezone(timedelta(0, 3600, 0))
        var states: [[UInt8]] = []
        for (year, month, day) in [(2024, 2, 29), (2023, 2, 29), (2000, 2, 29), (1900, 2, 29), (1, 1, 1), (9999, 12, 31),
                                   (0, 1, 1), (10000, 1, 1), (2024, 0, 1), (2024, 13, 1), (2024, 4, 31), (2024, 1, 0), (2024, 1, 32)] {
            states.append([UInt8(year >> 8), UInt8(year & 0xFF), UInt8(month), UInt8(day)])
        }
        for dateState in states {
            #expect(both("datetime", "date", state(dateState)).0 == both("datetime", "date", state(dateState)).1, "\(dateState)")
            for time: [UInt8] in [[0, 0, 0, 0, 0, 0], [23, 59, 59, 0x0F, 0x42, 0x3F], [24, 0, 0, 0, 0, 0], [0, 60, 0, 0, 0, 0],
                                  [0, 0, 60, 0, 0, 0], [0, 0, 0, 0x0F, 0x42, 0x40], [12, 30, 15, 0x03, 0x8D, 0x3C]] {
                for fold: UInt8 in [0, 0x80] {
                    var st = dateState + time
                    st[2] |= fold
                    for tz: [UInt8] in [[], [0x4E], zone] {
                        let (fast, general) = both("datetime", "datetime", state(st) + tz)
                        #expect(fast == general, "\(st) \(tz)")
                    }
                }
            }
        }
        func int(_ v: Int64) -> [UInt8] { [0x8A, 0x08] + withUnsafeBytes(of: v.littleEndian, Array.init) }
        let values: [Int64] = [0, 1, -1, 59, 86_399, 86_400, -86_401, 999_999, 1_000_000, -1_000_001, 999_999_999,
                               1_000_000_000, -999_999_999, -1_000_000_000, 86_400 * 999_999_999, Int64.max, Int64.min]
        for d in values {
            #expect(both("datetime", "timedelta", int(d)).0 == both("datetime", "timedelta", int(d)).1, "\(d)")
            for s in values {
                for us in [0, 1, -1, 999_999, 1_000_000, Int64.max, Int64.min] {
                    let (fast, general) = both("datetime", "timedelta", int(d) + int(s) + int(us))
                    #expect(fast == general, "\(d) \(s) \(us)")
                }
            }
        }
    }

    /// `set(...)` and `frozenset(...)` by REDUCE give what INST gives (the general path), for every
    /// argument shape, unhashable items included, and the set is filled later as usual.
    @Test func setReduceMatchesTheGeneralPath() throws {
        let one: [UInt8] = [0x4B, 0x01], two: [UInt8] = [0x4B, 0x02], a: [UInt8] = [0x8C, 0x01, 0x61]
        let argumentSets: [[UInt8]] = [
            [], [0x5D], [0x5D, 0x28] + one + two + two + [0x65], [0x28] + one + a + [0x74], [0x29],
            [0x8F, 0x28] + one + [0x90], [0x28] + a + [0x91], [0x5D, 0x5D, 0x61],  // [[]]: unhashable
            [0x5D, 0x28] + one + [0x5D, 0x85, 0x65],  // [1, ([],)]: unhashable
            [0x7D], [0x4E], one, [0x5D, 0x5D],  // a dict, None, an int; two arguments
        ]
        for (m, n) in [("builtins", "set"), ("__builtin__", "frozenset"), ("builtins", "frozenset")] {
            for args in argumentSets {
                for suffix: [UInt8] in [[], [0x28, 0x4B, 0x05, 0x90], [0x85]] {
                    let reduce = Self.global(m, n) + [0x28] + args + [0x74, 0x52] + suffix + [0x2E]
                    let inst = [0x28] + args + [0x69] + asciiBytes("\(m)\n\(n)\n") + suffix + [0x2E]
                    #expect(Self.decoded(reduce) == Self.decoded(inst), "\(m).\(n) \(args) \(suffix)")
                    guard let x = try? PickleDecoder().decode(pickle: reduce), let y = try? PickleDecoder().decode(pickle: inst) else { continue }
                    #expect(PickleDocument.structurallyEqual(x, x.root, y, y.root), "\(m).\(n) \(args)")
                    Self.expectSameAsRebuilt(x, "\(m).\(n) \(args)")
                }
            }
        }
    }

    // MARK: - Objects made by NEWOBJ, UUIDs

    /// NEWOBJ of a class it does not construct gives what `copyreg.__newobj__(cls, *args)` gives
    /// (the general path), whatever is done to the object next: SETITEM(S), APPEND(S), BUILD with
    /// UUID and other states, used as a tuple item, a dict key or a datetime's tzinfo.
    @Test func newObjectsMatchTheGeneralPath() throws {
        let classes: [(String, String)] = [("mymod", "Thing"), ("uuid", "UUID"), ("builtins", "object"),
                                           ("builtins", "dict"), ("__builtin__", "object")]
        let argItems: [[UInt8]] = [[], [0x4B, 0x01], [0x8C, 0x01, 0x61, 0x5D]]
        let int = [0x8C, 0x03] + asciiBytes("int")
        func long1(_ bytes: [UInt8]) -> [UInt8] { [0x8A, UInt8(bytes.count)] + bytes }
        let suffixes: [[UInt8]] = [
            [],
            [0x28, 0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x75],  // SETITEMS {'k': 1}
            [0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x73],  // SETITEM
            [0x28, 0x4B, 0x01, 0x4B, 0x02, 0x65],  // APPENDS
            [0x4B, 0x01, 0x61],  // APPEND
            [0x4E, 0x62],  // BUILD None
            [0x7D] + int + [0x4B, 0x05, 0x73, 0x62],  // BUILD {'int': 5}
            [0x7D] + int + [0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x73, 0x62],  // {'int': -1}
            [0x7D] + int + long1([UInt8](repeating: 0, count: 16) + [0x01]) + [0x73, 0x62],  // 2**128
            [0x7D] + int + long1([UInt8](repeating: 0xFF, count: 16) + [0x00]) + [0x73, 0x62],  // 2**128 - 1
            [0x7D] + int + long1([UInt8](repeating: 0, count: 15) + [0x80, 0x00]) + [0x73, 0x62],  // 2**127
            [0x7D] + int + long1([UInt8](repeating: 0, count: 8) + [0x01]) + [0x73, 0x62],  // 2**64
            [0x7D] + int + long1([0x00, 0x80]) + [0x73, 0x62],  // -32768 as a big int's bytes
            [0x7D, 0x28] + int + [0x4B, 0x05, 0x8C, 0x07] + asciiBytes("is_safe") + [0x4E, 0x75, 0x62],
            [0x28, 0x4B, 0x01, 0x65, 0x4E, 0x62],  // APPENDS, BUILD None
            [0x7D] + int + [0x4B, 0x05, 0x73, 0x62, 0x28, 0x4B, 0x01, 0x65],  // BUILD uuid state, APPENDS
            [0x7D] + int + [0x4B, 0x05, 0x73, 0x62, 0x7D] + int + [0x4B, 0x06, 0x73, 0x62],  // BUILD twice
            [0x85],  // in a tuple
        ]
        for (m, n) in classes {
            for args in argItems {
                let newObj = Self.stackGlobal(m, n) + [0x28] + args + [0x74, 0x81]
                let general = Self.global("copyreg", "__newobj__") + [0x28] + Self.stackGlobal(m, n) + args + [0x74, 0x52]
                var shapes: [([UInt8], [UInt8])] = suffixes.map { ([0x80, 0x04] + newObj + $0 + [0x2E], [0x80, 0x04] + general + $0 + [0x2E]) }
                // As a dict key, and as a datetime's tzinfo.
                shapes.append(([0x80, 0x04, 0x7D] + newObj + [0x4B, 0x01, 0x73, 0x2E], [0x80, 0x04, 0x7D] + general + [0x4B, 0x01, 0x73, 0x2E]))
                let dt = Self.global("datetime", "datetime") + [0x43, 0x0A, 0x07, 0xE8, 0x07, 0x1E, 0x15, 0x08, 0x02, 0x03, 0x8D, 0x3C]
                shapes.append(([0x80, 0x04] + dt + newObj + [0x86, 0x52, 0x2E], [0x80, 0x04] + dt + general + [0x86, 0x52, 0x2E]))
                for (fast, slow) in shapes {
                    let expected = Self.decoded(slow)
                    #expect(Self.decoded(fast) == expected, "\(m).\(n) \(fast)")
                    guard let a = try? PickleDecoder().decode(pickle: fast), let b = try? PickleDecoder().decode(pickle: slow) else { continue }
                    #expect(PickleDocument.structurallyEqual(a, a.root, b, b.root), "\(m).\(n) \(fast)")
                    Self.expectSameAsRebuilt(a, "\(m).\(n) \(fast)")
                }
            }
        }
    }

    /// `copyreg._reconstructor(cls, base, state)` by REDUCE gives what INST of the same call gives (the
    /// general path), for classes and bases in and out of the allowlist, every kind of state, and
    /// whatever is done to the result next.
    @Test func reconstructorMatchesTheGeneralPath() throws {
        let classes: [(String, String)] = [("mymod", "Thing"), ("uuid", "UUID"), ("web.utils", "Storage"),
                                           ("web.utils", "storage"), ("copy_reg", "__newobj__")]
        let bases: [(String, String)] = [("builtins", "object"), ("__builtin__", "object"), ("builtins", "dict"),
                                         ("__builtin__", "dict"), ("mymod", "Base")]
        var large: [UInt8] = [0x7D, 0x28]  // 40 keys: past the linear scan, so merges hash
        for i in 0 ..< 40 { large += [0x8C, 0x03] + asciiBytes("k\(i / 10)\(i % 10)") + [0x4B, UInt8(i)] }
        large += [0x75]
        let states: [[UInt8]] = [[0x4E], [0x7D], [0x7D, 0x8C, 0x01, 0x61, 0x4B, 0x01, 0x73], [0x4B, 0x05], [0x8C, 0x01, 0x78, 0x85],
                                 large, [0x7D, 0x28, 0x4B, 0x01, 0x4B, 0x02, 0x4A, 0x01, 0x00, 0x00, 0x00, 0x4B, 0x03, 0x75],
                                 [0x80, 0x02] + Self.global("web.utils", "Storage") + [0x29, 0x81, 0x8C, 0x01, 0x61, 0x4B, 0x01, 0x73]]
        let int = [0x8C, 0x03] + asciiBytes("int")
        let suffixes: [[UInt8]] = [
            [], [0x7D] + int + [0x4B, 0x05, 0x73, 0x62], [0x28, 0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x75],
            [0x28, 0x4B, 0x01, 0x65], [0x4E, 0x62], [0x7D, 0x8C, 0x01, 0x62, 0x4B, 0x02, 0x73, 0x62], [0x85],
            [0x28, 0x8C, 0x01, 0x61, 0x4B, 0x09, 0x8C, 0x03] + asciiBytes("k07") + [0x4B, 0x09, 0x4B, 0x01, 0x4B, 0x09, 0x75],
        ]
        for (cm, cn) in classes {
            for (bm, bn) in bases {
                for state in states {
                    let args = Self.global(cm, cn) + Self.global(bm, bn) + state
                    let reduce = Self.global("copy_reg", "_reconstructor") + [0x28] + args + [0x74, 0x52]
                    let inst = [0x28] + args + [0x69] + asciiBytes("copy_reg\n_reconstructor\n")
                    for suffix in suffixes {
                        let fast = reduce + suffix + [0x2E], general = inst + suffix + [0x2E]
                        #expect(Self.decoded(fast) == Self.decoded(general), "\(cm).\(cn) \(bm).\(bn) \(state) \(suffix)")
                        guard let a = try? PickleDecoder().decode(pickle: fast), let b = try? PickleDecoder().decode(pickle: general) else { continue }
                        #expect(PickleDocument.structurallyEqual(a, a.root, b, b.root), "\(cm).\(cn) \(bm).\(bn) \(state) \(suffix)")
                        Self.expectSameAsRebuilt(a, "\(cm).\(cn) \(bm).\(bn)")
                    }
                }
            }
        }
    }

    /// UUIDs from `{'int': n}` states are the UUIDs of those integers.
    @Test func uuidStatesReadBack() throws {
        let cases: [([UInt8], [UInt8])] = [
            ([0x4B, 0x05], [UInt8](repeating: 0, count: 15) + [0x05]),
            ([0x8A, 0x09] + [UInt8](repeating: 0, count: 8) + [0x01], [UInt8](repeating: 0, count: 7) + [0x01] + [UInt8](repeating: 0, count: 8)),
            ([0x8A, 0x11] + [UInt8](repeating: 0xFF, count: 16) + [0x00], [UInt8](repeating: 0xFF, count: 16)),
            ([0x8A, 0x11] + [UInt8](repeating: 0, count: 15) + [0x80, 0x00], [0x80] + [UInt8](repeating: 0, count: 15)),
            ([0x8A, 0x10] + (1 ... 16).map { UInt8($0) }, (1 ... 16).reversed().map { UInt8($0) }),
        ]
        for (value, bytes) in cases {
            for build in [[0x80, 0x04] + Self.stackGlobal("uuid", "UUID") + [0x29, 0x81],
                          Self.global("copy_reg", "_reconstructor") + [0x28] + Self.global("uuid", "UUID")
                            + Self.global("__builtin__", "object") + [0x4E, 0x74, 0x52]] {
                let doc = try PickleDecoder().decode(pickle: build + [0x7D, 0x8C, 0x03] + asciiBytes("int") + value + [0x73, 0x62, 0x2E])
                #expect(doc[doc.root] == .uuid(PickleUUID(bytes: bytes)))
                let hand = Self.handBuilt(.uuid(PickleUUID(bytes: bytes)))
                #expect(Self.json(doc) == Self.json(hand))
                Self.expectSameAsRebuilt(doc, "\(value)")
            }
        }
    }

    // MARK: - Room for one decode

    /// Every buffer outgrows the room a decode starts with (nodes, items, stack, marks, memo and the
    /// bytes the decoder rewrites), and every value still reads back.
    @Test func buffersOutgrowTheirFirstRoom() throws {
        let depth = 40, count = 5000
        let long = String(repeating: "a", count: 100_000) + "\u{E9}"
        var p: [UInt8] = Array(repeating: 0x28, count: depth)  // MARK × depth
        for i in 0 ..< count { p += [0x56] + asciiBytes("\\u00e9\(i)\n") + [0x70] + asciiBytes("\(i)\n") }  // UNICODE, PUT
        p += [0x67] + asciiBytes("\(count - 1)\n")  // GET the last one again
        p += [0x56] + asciiBytes(String(repeating: "a", count: 100_000)) + asciiBytes("\\u00e9\n")
        p += Array(repeating: 0x6C, count: depth) + [0x2E]  // LIST × depth, STOP
        let doc = try PickleDecoder().decode(pickle: p)
        var ref = doc.root
        for _ in 0 ..< depth - 1 {
            guard case .list(let items) = doc[ref], items.count == 1 else { Issue.record("not a nested list"); return }
            ref = items[0]
        }
        guard case .list(let items) = doc[ref], items.count == count + 2 else { Issue.record("innermost list"); return }
        for i in 0 ..< count { #expect(doc.text(of: items[i]) == "\u{E9}\(i)") }
        #expect(items[count] == items[count - 1])
        #expect(doc.text(of: items[count + 1]) == long)
        Self.expectSameAsRebuilt(doc, "nested")
    }

    // MARK: - CPython fixtures

    /// `pickle.dumps` of one value holding dict subclasses, aware datetimes (offsets east and west of
    /// UTC, UTC, a named zone, a shared zone), a bare zone, UUID, Decimal and the other rarer kinds.
    static let fixtures: [Int: String] = [
        0: """
        286470300a56730a70310a63636f70795f7265670a5f7265636f6e7374727563746f720a70320a28637765622e7574696c730a53
        746f726167650a70330a635f5f6275696c74696e5f5f0a646963740a70340a286470350a56610a70360a49310a7356620a70370a
        56780a70380a737470390a527031300a73566c0a7031310a67320a28637765622e7574696c730a73746f726167650a7031320a67
        340a28647031330a566b0a7031340a286c7031350a49310a6149320a6173747031360a527031370a73566f640a7031380a63636f
        6c6c656374696f6e730a4f726465726564446963740a7031390a2874527032300a567a0a7032310a49310a7373567768656e0a70
        32320a636461746574696d650a6461746574696d650a7032330a28635f636f646563730a656e636f64650a7032340a285607e807
        1e150802038d3c0a7032350a566c6174696e310a7032360a747032370a527032380a636461746574696d650a74696d657a6f6e65
        0a7032390a28636461746574696d650a74696d6564656c74610a7033300a2849300a49333630300a49300a747033310a52703332
        0a747033330a527033340a747033350a527033360a7356776573740a7033370a6732330a286732340a285607e701020304055c75
        303030305c75303030305c75303030300a7033380a6732360a747033390a527034300a6732390a286733300a28492d310a493636
        3630300a49300a747034310a527034320a747034330a527034340a747034350a527034360a73567574630a7034370a6732330a28
        6732340a285607e605060708095c75303030305c75303030305c75303030300a7034380a6732360a747034390a527035300a6732
        390a286733300a2849300a49300a49300a747035310a527035320a747035330a527035340a747035350a527035360a73566e616d
        65640a7035370a6732330a286732340a285607e501015c75303030305c75303030305c75303030305c75303030305c7530303030
        5c75303030300a7035380a6732360a747035390a527036300a6732390a286733300a2849300a49373230300a49300a747036310a
        527036320a56434553540a7036330a747036340a527036350a747036360a527036370a7356616761696e0a7036380a6732330a28
        6732340a285607e8071e165c75303030305c75303030305c75303030305c75303030305c75303030300a7036390a6732360a7470
        37300a527037310a6733340a747037320a527037330a7356747a0a7037340a6733340a73566461790a7037350a63646174657469
        6d650a646174650a7037360a286732340a285607e8021d0a7037370a6732360a747037380a527037390a747038300a527038310a
        735674640a7038320a6733300a28492d310a49350a49300a747038330a527038340a735669640a7038350a67320a286375756964
        0a555549440a7038360a635f5f6275696c74696e5f5f0a6f626a6563740a7038370a4e747038380a527038390a28647039300a56
        696e740a7039310a4c39373434383133343338373830343032393636393736363739393539393333313438313431334c0a736273
        56640a7039320a63646563696d616c0a446563696d616c0a7039330a285631322e35300a7039340a747039350a527039360a7356
        7365740a7039370a635f5f6275696c74696e5f5f0a7365740a7039380a28286c7039390a49310a6149320a6174703130300a5270
        3130310a735666730a703130320a635f5f6275696c74696e5f5f0a66726f7a656e7365740a703130330a28286c703130340a6736
        0a6174703130350a52703130360a7367370a6732340a28565c7530303030ff0a703130370a6732360a74703130380a5270313039
        0a735662610a703131300a635f5f6275696c74696e5f5f0a6279746561727261790a703131310a286732340a285668690a703131
        320a6732360a74703131330a52703131340a74703131350a52703131360a732e
        """,
        1: """
        7d710028580100000073710163636f70795f7265670a5f7265636f6e7374727563746f720a710228637765622e7574696c730a53
        746f726167650a7103635f5f6275696c74696e5f5f0a646963740a71047d71052858010000006171064b01580100000062710758
        010000007871087574710952710a58010000006c710b680228637765622e7574696c730a73746f726167650a710c68047d710d58
        010000006b710e5d710f284b014b02657374711052711158020000006f64711263636f6c6c656374696f6e730a4f726465726564
        446963740a71132952711458010000007a71154b017358040000007768656e7116636461746574696d650a6461746574696d650a
        711728635f636f646563730a656e636f64650a711828580c00000007c3a8071e15080203c28d3c711958060000006c6174696e31
        711a74711b52711c636461746574696d650a74696d657a6f6e650a711d28636461746574696d650a74696d6564656c74610a711e
        284b004d100e4b0074711f5271207471215271227471235271245804000000776573747125681728681828580b00000007c3a701
        020304050000007126681a747127527128681d28681e284affffffff4a280401004b0074712952712a74712b52712c74712d5271
        2e5803000000757463712f681728681828580b00000007c3a605060708090000007130681a747131527132681d28681e284b004b
        004b0074713352713474713552713674713752713858050000006e616d65647139681728681828580b00000007c3a50101000000
        000000713a681a74713b52713c681d28681e284b004d201c4b0074713d52713e580400000043455354713f747140527141747142
        5271435805000000616761696e7144681728681828580b00000007c3a8071e1600000000007145681a7471465271476822747148
        5271495802000000747a714a68225803000000646179714b636461746574696d650a646174650a714c28681828580500000007c3
        a8021d714d681a74714e52714f747150527151580200000074647152681e284affffffff4b054b00747153527154580200000069
        64715568022863757569640a555549440a7156635f5f6275696c74696e5f5f0a6f626a6563740a71574e7471585271597d715a58
        03000000696e74715b4c39373434383133343338373830343032393636393736363739393539393333313438313431334c0a7362
        580100000064715c63646563696d616c0a446563696d616c0a715d28580500000031322e3530715e74715f527160580300000073
        65747161635f5f6275696c74696e5f5f0a7365740a7162285d7163284b014b0265747164527165580200000066737166635f5f62
        75696c74696e5f5f0a66726f7a656e7365740a7167285d716868066174716952716a6807681828580300000000c3bf716b681a74
        716c52716d58020000006261716e635f5f6275696c74696e5f5f0a6279746561727261790a716f28681828580200000068697170
        681a747171527172747173527174752e
        """,
        2: """
        80027d7100285801000000737101637765622e7574696c730a53746f726167650a7102298171032858010000006171044b015801
        00000062710558010000007871067558010000006c7107637765622e7574696c730a73746f726167650a71082981710958010000
        006b710a5d710b284b014b02657358020000006f64710c63636f6c6c656374696f6e730a4f726465726564446963740a710d2952
        710e58010000007a710f4b017358040000007768656e7110636461746574696d650a6461746574696d650a7111635f636f646563
        730a656e636f64650a7112580c00000007c3a8071e15080203c28d3c711358060000006c6174696e317114867115527116636461
        746574696d650a74696d657a6f6e650a7117636461746574696d650a74696d6564656c74610a71184b004d100e4b008771195271
        1a85711b52711c86711d52711e580400000077657374711f68116812580b00000007c3a701020304050000007120681486712152
        7122681768184affffffff4a280401004b008771235271248571255271268671275271285803000000757463712968116812580b
        00000007c3a60506070809000000712a681486712b52712c681768184b004b004b0087712d52712e85712f527130867131527132
        58050000006e616d6564713368116812580b00000007c3a5010100000000000071346814867135527136681768184b004d201c4b
        00877137527138580400000043455354713986713a52713b86713c52713d5805000000616761696e713e68116812580b00000007
        c3a8071e160000000000713f6814867140527141681c8671425271435802000000747a7144681c58030000006461797145636461
        746574696d650a646174650a71466812580500000007c3a8021d7147681486714852714985714a52714b58020000007464714c68
        184affffffff4b054b0087714d52714e58020000006964714f63757569640a555549440a7150298171517d71525803000000696e
        7471538a10459784c8a0f0a2776e7f8d15f8d34f497362580100000064715463646563696d616c0a446563696d616c0a71555805
        00000031322e3530715685715752715858030000007365747159635f5f6275696c74696e5f5f0a7365740a715a5d715b284b014b
        026585715c52715d58020000006673715e635f5f6275696c74696e5f5f0a66726f7a656e7365740a715f5d716068046185716152
        716268056812580300000000c3bf71636814867164527165580200000062617166635f5f6275696c74696e5f5f0a627974656172
        7261790a71676812580200000068697168681486716952716a85716b52716c752e
        """,
        4: """
        80049567020000000000007d94288c0173948c097765622e7574696c73948c0753746f72616765949394298194288c0161944b01
        8c0162948c017894758c016c9468028c0773746f726167659493942981948c016b945d94284b014b0265738c026f64948c0b636f
        6c6c656374696f6e73948c0b4f726465726564446963749493942952948c017a944b01738c047768656e948c086461746574696d
        65948c086461746574696d65949394430a07e8071e150802038d3c9468168c0874696d657a6f6e6594939468168c0974696d6564
        656c74619493944b004d100e4b008794529485945294869452948c0477657374946818430a07e7010203040500000094681b681d
        4affffffff4a280401004b008794529485945294869452948c03757463946818430a07e6050607080900000094681b681d4b004b
        004b008794529485945294869452948c056e616d6564946818430a07e5010100000000000094681b681d4b004d201c4b00879452
        948c04434553549486945294869452948c05616761696e946818430a07e8071e160000000000946821869452948c02747a946821
        8c036461799468168c0464617465949394430407e8021d94859452948c02746494681d4affffffff4b054b00879452948c026964
        948c0475756964948c04555549449493942981947d948c03696e74948a10459784c8a0f0a2776e7f8d15f8d34f4973628c016494
        8c07646563696d616c948c07446563696d616c9493948c0531322e353094859452948c03736574948f94284b014b02908c026673
        9428680691946807430200ff948c026261948c086275696c74696e73948c09627974656172726179949394430268699485945294
        752e
        """,
    ]

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).filter { $0 != 0x0A && $0 != 0x20 }
        func v(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        return stride(from: 0, to: digits.count, by: 2).map { v(digits[$0]) << 4 | v(digits[$0 + 1]) }
    }

    /// The fixtures' values are what CPython pickled, the same at every protocol and as the document rebuilt by hand.
    @Test func cpythonFixturesReadBack() throws {
        var jsons: Set<String> = []
        for (p, hex) in Self.fixtures.sorted(by: { $0.key < $1.key }) {
            let doc = try PickleDecoder().decode(pickle: Self.bytes(hex: hex))
            func value(_ key: String) -> PickleNode? { doc.value(forKey: key, in: doc.root).map { doc[$0] } }
            func tz(_ key: String) -> PickleNode? {
                guard case .datetime(let dt)? = value(key), let z = dt.time.tzinfo else { return nil }
                return doc[z]
            }
            func zone(_ seconds: Int, days: Int = 0, name: String? = nil) -> PickleNode {
                .timezone(PickleTimezone(offset: PickleTimedelta(days: days, seconds: seconds, microseconds: 0), name: name))
            }
            let storage = PickleGlobal(module: "web.utils", name: "Storage")
            if case .dict(let d)? = value("s") { #expect(d.subclass == storage, "p\(p)") } else { Issue.record("s p\(p)") }
            if case .dict(let d)? = value("l") {
                #expect(d.subclass == PickleGlobal(module: "web.utils", name: "storage"), "p\(p)")
            } else { Issue.record("l p\(p)") }
            if case .dict(let d)? = value("od") {
                #expect(d.subclass == PickleGlobal(module: "collections", name: "OrderedDict"), "p\(p)")
            } else { Issue.record("od p\(p)") }
            #expect(value("tz") == zone(3600), "p\(p)")
            #expect(tz("when") == zone(3600), "p\(p)")
            #expect(tz("again") == zone(3600), "p\(p)")
            #expect(tz("west") == zone(86400 - 19800, days: -1), "p\(p)")
            #expect(tz("utc") == zone(0), "p\(p)")
            #expect(tz("named") == zone(7200, name: "CEST"), "p\(p)")
            #expect(doc.utcOffset(of: doc.value(forKey: "west", in: doc.root).flatMap { ref -> PickleRef? in
                if case .datetime(let dt) = doc[ref] { return dt.time.tzinfo } else { return nil }
            }) == PickleTimedelta(days: -1, seconds: 66600, microseconds: 0), "p\(p)")
            #expect(value("id") == .uuid(PickleUUID(bytes: Self.bytes(hex: "494fd3f8158d7f6e77a2f0a0c8849745"))), "p\(p)")
            #expect(value("d") == .decimal(PickleDecimal("12.50")), "p\(p)")
            Self.expectSameAsRebuilt(doc, "p\(p)")
            jsons.insert(Self.json(doc))
        }
        #expect(jsons.count == 1)
    }

    /// A copy of a decoded document is independent once changed, and reads every value as before.
    @Test func clonedDocumentsReadTheSame() throws {
        let doc = try PickleDecoder().decode(pickle: Self.bytes(hex: Self.fixtures[4]!))
        let before = Array(doc.nodes), json = Self.json(doc)
        var copy = doc
        let added = copy.append(.global(PickleGlobal(module: "datetime", name: "date")))
        #expect(copy[added] == .global(PickleGlobal(module: "datetime", name: "date")))
        #expect(Array(copy.nodes.prefix(before.count)) == before)
        #expect(PickleDocument.structurallyEqual(doc, doc.root, copy, copy.root))
        #expect(Self.json(copy) == json)
        if let s = copy.value(forKey: "s", in: copy.root) { copy[s] = .none }
        #expect(Array(doc.nodes) == before)
        #expect(Self.json(doc) == json)
        #expect(Self.json(copy) != json)
    }
}
