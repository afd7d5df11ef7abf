/// How each kind of node is written in protocol 0.
extension PickleTextPickler {
    mutating func save(_ ref: PickleRef, transient: Bool) throws(PickleError) {
        guard ref.index >= 0 && ref.index < doc.nodes.count else {
            throw PickleError(.unencodable, detail: "reference outside the document")
        }
        let node = doc[ref]
        var refs = refcount[ref.index] + (transient ? 1 : 0) + (ref == doc.root ? 2 : 0)
        if onCycle[ref.index] { refs = max(refs, 2) }
        switch node {
        case .none:
            out.append(PickleOpcode.none)
            return
        case .bool(let b):
            out.append(contentsOf: b ? Array("I01\n".utf8) : Array("I00\n".utf8))
            return
        case .int(let v):
            out.append(PickleOpcode.int)
            out.append(contentsOf: String(v).utf8)
            out.append(0x0A)
            return
        case .bigInt(let big):
            out.append(PickleOpcode.long)
            out.append(contentsOf: big.decimalString.utf8)
            out.append(contentsOf: [UInt8(ascii: "L"), 0x0A])
            return
        case .float(let d):
            out.append(PickleOpcode.float)
            out.append(contentsOf: PickleEncoder.percent17g(d).utf8)
            out.append(0x0A)
            return
        case .tuple(let items) where items.isEmpty:
            out.append(contentsOf: [PickleOpcode.mark, PickleOpcode.tuple])
            return
        case .string(let s) where s.unicodeScalars.count < 2:
            writeUnicode(s)
            return
        case .py2String(let p) where p.bytes.count < 2:
            writeString(p.bytes)
            return
        default:
            break
        }
        let key = Key.node(ref.index)
        if refs >= 2 && fetched(key) { return }
        guard active[ref.index] < PickleEncoder.maxReentry else {
            throw PickleError(.unencodable, detail: "cycle protocol 0 cannot express")
        }
        active[ref.index] += 1
        work.append(.finish(ref.index))
        try expand(node, key: key, refs: refs)
    }

    private mutating func expand(_ node: PickleNode, key: Key, refs: Int) throws(PickleError) {
        let mark = PickleOpcode.mark, tuple = PickleOpcode.tuple, reduce = PickleOpcode.reduce
        switch node {
        case .none, .bool, .int, .bigInt, .float:
            break // written by save(_:transient:)
        case .string(let s):
            writeUnicode(s)
            put(key, refs: refs)
        case .py2String(let p):
            writeString(p.bytes)
            put(key, refs: refs)
        case .bytes(let b):
            if b.isEmpty {
                push([.global(.builtinsBytes), .raw([mark, tuple, reduce]), .put(key, refs: refs)])
            } else {
                push([.global(.codecsEncode), .raw([mark] + unicodeLine(PickleEncoder.latin1String(b)) + unicodeLine("latin1") + [tuple, reduce]),
                      .put(key, refs: refs)])
            }
        case .bytearray(let b):
            push([.global(.builtinsBytearray),
                  .raw(b.isEmpty ? [mark, tuple, reduce]
                       : [mark] + unicodeLine(PickleEncoder.latin1String(b)) + unicodeLine("latin-1") + [tuple, reduce]),
                  .put(key, refs: refs)])
        case .list(let items):
            out.append(contentsOf: [mark, PickleOpcode.list])
            put(key, refs: refs)
            var steps: [Step] = []
            steps.reserveCapacity(items.count * 2)
            for item in items { steps.append(.save(item, transient: true)); steps.append(.raw([PickleOpcode.append])) }
            push(steps)
        case .tuple(let items):
            out.append(mark)
            push(items.map { Step.save($0, transient: false) } + [.tupleEnd(key, count: items.count, refs: refs)])
        case .dict(let d):
            guard d.keys.count == d.values.count else { throw PickleError(.unencodable, detail: "dict with unpaired keys") }
            if let subclass = d.subclass, onCycle[key.nodeIndex] {
                // A dict subclass that contains itself: its items cannot sit in the reconstructor's
                // argument (they would need the object first), so they are set after the PUT.
                push([.global(.copyregReconstructor), .raw([mark]), .global(subclass), .global(.builtinsDict),
                      .raw([mark, PickleOpcode.dict, tuple, reduce]), .put(key, refs: refs)] + itemSteps(d.keys, d.values))
            } else if let subclass = d.subclass {
                // copy_reg._reduce_ex(obj, 0): _reconstructor(cls, dict, dict(obj)).
                push([.global(.copyregReconstructor), .raw([mark]), .global(subclass), .global(.builtinsDict),
                      .raw([mark, PickleOpcode.dict])] + itemSteps(d.keys, d.values)
                     + [.raw([tuple, reduce]), .put(key, refs: refs)])
            } else {
                out.append(contentsOf: [mark, PickleOpcode.dict])
                put(key, refs: refs)
                push(itemSteps(d.keys, d.values))
            }
        case .set(let items):
            push(setSteps(.builtinsSet, items, key: key, refs: refs))
        case .frozenset(let items):
            push(setSteps(.builtinsFrozenset, items, key: key, refs: refs))
        case .datetime(let dt):
            let state = try PickleEncoder.dateTimeState(dt, withFold: false)
            push(reduceSteps(.datetimeDatetime, state: state, tz: dt.time.tzinfo, key: key, refs: refs))
        case .date(let d):
            push(reduceSteps(.datetimeDate, state: try PickleEncoder.dateState(d), tz: nil, key: key, refs: refs))
        case .time(let t):
            let state = try PickleEncoder.timeOnlyState(t, withFold: false)
            push(reduceSteps(.datetimeTime, state: state, tz: t.tzinfo, key: key, refs: refs))
        case .timedelta(let td):
            push(timedeltaSteps(td, key: key, refs: refs))
        case .timezone(let tz):
            var steps: [Step] = [.global(tz.origin), .raw([mark]), .timedelta(tz.offset)]
            if let name = tz.name {
                steps.append(.ownedUnicode(name))
            } else if tz.origin.normalized != .datetimeTimezone {
                steps.append(.raw([PickleOpcode.none]))
            }
            push(steps + [.raw([tuple, reduce]), .put(key, refs: refs)])
        case .decimal(let dec):
            push([.global(.decimalDecimal),
                  .raw([mark] + stringLine(Array(dec.string.utf8)) + [tuple, reduce]),
                  .put(key, refs: refs)])
        case .uuid(let u):
            guard u.bytes.count == 16 else { throw PickleError(.unencodable, detail: "UUID is not 16 bytes") }
            // copy_reg._reduce_ex(uuid, 0): _reconstructor(UUID, object, None), then BUILD with __dict__.
            let value = PickleBigInt(twosComplement: PickleEncoder.twosComplement(unsignedBigEndian: u.bytes)).decimalString
            push([.global(.copyregReconstructor), .raw([mark]), .global(.uuidUUID), .global(.builtinsObject),
                  .raw([PickleOpcode.none, tuple, reduce]), .put(key, refs: refs),
                  .raw([mark, PickleOpcode.dict]), .put(nil, refs: 2),
                  .internedString(Array("int".utf8)),
                  .raw([PickleOpcode.long] + Array(value.utf8) + [UInt8(ascii: "L"), 0x0A, PickleOpcode.setItem, PickleOpcode.build])])
        case .global(let g):
            push([.global(g)])
            _ = refs
        case .object(let o):
            guard o.kwargs == nil else {
                throw PickleError(.unencodable, detail: "keyword arguments need protocol 2 or higher")
            }
            var steps: [Step] = [.global(o.type)]
            steps.append(o.args.map { Step.save($0, transient: true) } ?? .raw([mark, tuple]))
            steps += [.raw([reduce]), .put(key, refs: refs)]
            for item in o.listItems { steps += [.save(item, transient: true), .raw([PickleOpcode.append])] }
            guard o.dictItems.count % 2 == 0 else { throw PickleError(.unencodable, detail: "odd number of dict items") }
            for i in stride(from: 0, to: o.dictItems.count, by: 2) {
                steps += [.save(o.dictItems[i], transient: true), .save(o.dictItems[i + 1], transient: true),
                          .raw([PickleOpcode.setItem])]
            }
            if let state = o.state { steps += [.save(state, transient: true), .raw([PickleOpcode.build])] }
            push(steps)
        }
    }

    /// Key, value, SETITEM for each item (cPickle writes no batches in protocol 0).
    private func itemSteps(_ keys: [PickleRef], _ values: [PickleRef]) -> [Step] {
        var steps: [Step] = []
        steps.reserveCapacity(keys.count * 3)
        for (k, v) in zip(keys, values) {
            steps.append(.save(k, transient: true))
            steps.append(.save(v, transient: true))
            steps.append(.raw([PickleOpcode.setItem]))
        }
        return steps
    }

    /// `set.__reduce__`: cls((list of items,)) — the list and the tuple are held once, so no PUT.
    private func setSteps(_ cls: PickleGlobal, _ items: [PickleRef], key: Key, refs: Int) -> [Step] {
        var steps: [Step] = [.global(cls), .raw([PickleOpcode.mark, PickleOpcode.mark, PickleOpcode.list])]
        for item in items { steps += [.save(item, transient: true), .raw([PickleOpcode.append])] }
        return steps + [.raw([PickleOpcode.tuple, PickleOpcode.reduce]), .put(key, refs: refs)]
    }

    /// `cls((state str[, tzinfo]))` for date, time and datetime; the state str is held once.
    private func reduceSteps(_ cls: PickleGlobal, state: [UInt8], tz: PickleRef?, key: Key, refs: Int) -> [Step] {
        var steps: [Step] = [.global(cls), .raw([PickleOpcode.mark] + stringLine(state))]
        if let tz { steps.append(.save(tz, transient: true)) }
        return steps + [.raw([PickleOpcode.tuple, PickleOpcode.reduce]), .put(key, refs: refs)]
    }

    func timedeltaSteps(_ td: PickleTimedelta, key: Key?, refs: Int) -> [Step] {
        var line: [UInt8] = [PickleOpcode.mark]
        for v in [td.days, td.seconds, td.microseconds] {
            line.append(PickleOpcode.int)
            line.append(contentsOf: String(v).utf8)
            line.append(0x0A)
        }
        line += [PickleOpcode.tuple, PickleOpcode.reduce]
        return [.global(.datetimeTimedelta), .raw(line), .put(key, refs: refs)]
    }

    // MARK: strings

    func stringLine(_ bytes: [UInt8]) -> [UInt8] {
        [PickleOpcode.string] + PickleEncoder.python2Repr(bytes) + [0x0A]
    }

    func unicodeLine(_ s: String) -> [UInt8] {
        [PickleOpcode.unicode] + PickleEncoder.python2RawUnicodeEscape(s) + [0x0A]
    }

    mutating func writeString(_ bytes: [UInt8]) {
        out.append(contentsOf: stringLine(bytes))
    }

    mutating func writeUnicode(_ s: String) {
        out.append(contentsOf: unicodeLine(s))
    }
}
