/// How each kind of node is written in protocols 2–5.
extension PickleBinaryPickler {
    mutating func save(_ ref: PickleRef) throws(PickleError) {
        guard ref.index >= 0 && ref.index < doc.nodes.count else {
            throw PickleError(.unencodable, detail: "reference outside the document")
        }
        let node = doc[ref]
        switch node {
        case .none:
            out.write(PickleOpcode.none)
            return
        case .bool(let b):
            out.write(b ? PickleOpcode.newTrue : PickleOpcode.newFalse)
            return
        case .int(let v):
            writeInt(v)
            return
        case .bigInt(let big):
            if let v = PickleEncoder.int64(twosComplement: big.twosComplement) {
                writeInt(v)
            } else {
                writeLong(PickleEncoder.minimized(big.twosComplement))
            }
            return
        case .float(let d):
            out.write(PickleOpcode.binFloat)
            let bits = d.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { out.write(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
            return
        case .tuple(let items) where items.isEmpty:
            out.write(PickleOpcode.emptyTuple)
            return
        default:
            break
        }
        let key = memoKey(ref, node)
        if fetched(key) { return }
        // A tuple may be re-entered once through a memoized container (CPython pops it and fetches
        // the memo); any more means a cycle that never reaches the memo, which Python cannot write either.
        guard active[ref.index] < PickleEncoder.maxReentry else {
            throw PickleError(.unencodable, detail: "cycle through values that are never memoized")
        }
        active[ref.index] += 1
        work.append(.finish(ref.index))
        try expand(node, key: key)
    }

    private mutating func expand(_ node: PickleNode, key: Key) throws(PickleError) {
        switch node {
        case .none, .bool, .int, .bigInt, .float:
            break // written by save(_:)
        case .string(let s):
            writeUnicode(s)
            memoPut(key)
        case .py2String(let p):
            // Python 2's cPickle form; CPython 3 reads it back as str (or bytes with encoding="bytes").
            if p.bytes.count <= 0xFF {
                out.write(PickleOpcode.shortBinString, UInt8(p.bytes.count))
                out.write(p.bytes)
            } else {
                guard p.bytes.count <= Int32.max else { throw PickleError(.unencodable, detail: "Python 2 str too long") }
                out.writeLarge(header: [PickleOpcode.binString] + le(UInt64(p.bytes.count), 4), payload: p.bytes)
            }
            memoPut(key)
        case .bytes(let b):
            saveBytes(b, key: key)
        case .bytearray(let b):
            if proto >= 5 {
                out.writeLarge(header: [PickleOpcode.byteArray8] + le(UInt64(b.count), 8), payload: b)
                memoPut(key)
            } else if b.isEmpty {
                push([.global(.builtinsBytearray), .atom(PickleOpcode.emptyTuple), .op(PickleOpcode.reduce), .memoize(key)])
            } else {
                push([.global(.builtinsBytearray), .freshBytes(b), .op(PickleOpcode.tuple1), .memoizeFresh,
                      .op(PickleOpcode.reduce), .memoize(key)])
            }
        case .list(let items):
            out.write(PickleOpcode.emptyList)
            memoPut(key)
            push(listBatches(items))
        case .tuple(let items):
            let saves = items.map { Step.save($0) }
            if items.count <= 3 {
                push(saves + [.tupleEnd(key, count: items.count, marked: false)])
            } else {
                out.write(PickleOpcode.mark)
                push(saves + [.tupleEnd(key, count: items.count, marked: true)])
            }
        case .dict(let d):
            guard d.keys.count == d.values.count else { throw PickleError(.unencodable, detail: "dict with unpaired keys") }
            if let subclass = d.subclass, PickleGlobal.knownDictSubclasses.contains(subclass.normalized) {
                // `object.__reduce_ex__(2)`: cls.__new__(cls) via NEWOBJ, items from an iterator.
                // OrderedDict reduces to OrderedDict() instead.
                let build: UInt8 = subclass.normalized == PickleGlobal(module: "collections", name: "OrderedDict")
                    ? PickleOpcode.reduce : PickleOpcode.newObj
                push([.global(subclass), .atom(PickleOpcode.emptyTuple), .op(build),
                      .memoizeThen(key, then: iteratorDictBatches(d.keys, d.values))])
            } else if let subclass = d.subclass {
                // Any other dict subclass: copyreg._reconstructor(cls, dict, {}), then its items. This
                // says "a dict of class cls" without knowing the class (NEWOBJ of an unknown class
                // would read back as an opaque object); items come after the memo so it may contain itself.
                push([.global(.copyregReconstructor), .global(subclass), .global(.builtinsDict), .emptyDict,
                      .op(PickleOpcode.tuple3), .memoizeFresh, .op(PickleOpcode.reduce),
                      .memoizeThen(key, then: iteratorDictBatches(d.keys, d.values))])
            } else {
                out.write(PickleOpcode.emptyDict)
                memoPut(key)
                push(exactDictBatches(d.keys, d.values))
            }
        case .set(let items):
            if proto >= 4 {
                out.write(PickleOpcode.emptySet)
                memoPut(key)
                push(setBatches(items))
            } else {
                push([.global(.builtinsSet), .freshList(items), .op(PickleOpcode.tuple1), .memoizeFresh,
                      .op(PickleOpcode.reduce), .memoize(key)])
            }
        case .frozenset(let items):
            if proto >= 4 {
                out.write(PickleOpcode.mark)
                push(items.map { Step.save($0) } + [.frozensetEnd(key)])
            } else {
                push([.global(.builtinsFrozenset), .freshList(items), .op(PickleOpcode.tuple1), .memoizeFresh,
                      .op(PickleOpcode.reduce), .memoize(key)])
            }
        case .datetime(let dt):
            let state = try PickleEncoder.dateTimeState(dt, withFold: proto >= 4)
            push(reduce(.datetimeDatetime, args: [.freshBytes(state)] + tzArg(dt.time.tzinfo), key: key))
        case .date(let d):
            let state = try PickleEncoder.dateState(d)
            push(reduce(.datetimeDate, args: [.freshBytes(state)], key: key))
        case .time(let t):
            let state = try PickleEncoder.timeOnlyState(t, withFold: proto >= 4)
            push(reduce(.datetimeTime, args: [.freshBytes(state)] + tzArg(t.tzinfo), key: key))
        case .timedelta(let td):
            push(timedeltaSteps(td) + [.memoize(key)])
        case .timezone(let tz):
            var args: [Step] = [.timedelta(tz.offset)]
            if let name = tz.name {
                args.append(.timezoneName(name))
            } else if tz.origin.normalized != .datetimeTimezone {
                args.append(.atom(PickleOpcode.none))
            }
            push(reduce(tz.origin, args: args, key: key))
        case .decimal(let dec):
            push(reduce(.decimalDecimal, args: [.uncachedString(dec.string)], key: key))
        case .uuid(let u):
            guard u.bytes.count == 16 else { throw PickleError(.unencodable, detail: "UUID is not 16 bytes") }
            push([.global(.uuidUUID), .atom(PickleOpcode.emptyTuple), .op(PickleOpcode.newObj),
                  .memoizeThen(key, then: [.uuidState(u.bytes), .op(PickleOpcode.build)])])
        case .global(let g):
            try saveGlobal(g)
        case .object(let o):
            try pushObject(o, key: key)
        }
    }

    private mutating func pushObject(_ o: PickleObject, key: Key) throws(PickleError) {
        var steps: [Step] = []
        let args: Step = o.args.map { Step.save($0) } ?? .atom(PickleOpcode.emptyTuple)
        if let kwargs = o.kwargs {
            if proto >= 4 {
                steps = [.global(o.type), args, .save(kwargs), .op(PickleOpcode.newObjEx)]
            } else {
                // What CPython writes for __reduce_ex__ with keyword arguments below protocol 4.
                steps = [.global(.copyregNewobjEx), .global(o.type), args, .save(kwargs), .op(PickleOpcode.tuple3),
                         .memoizeFresh, .op(PickleOpcode.reduce)]
            }
        } else if o.args != nil {
            steps = [.global(o.type), args, .op(PickleOpcode.reduce)]
        } else {
            steps = [.global(o.type), args, .op(PickleOpcode.newObj)]
        }
        var then: [Step] = []
        if !o.listItems.isEmpty { then += iteratorListBatches(o.listItems) }
        if !o.dictItems.isEmpty {
            guard o.dictItems.count % 2 == 0 else { throw PickleError(.unencodable, detail: "odd number of dict items") }
            var ks: [PickleRef] = [], vs: [PickleRef] = []
            for i in stride(from: 0, to: o.dictItems.count, by: 2) {
                ks.append(o.dictItems[i]); vs.append(o.dictItems[i + 1])
            }
            then += iteratorDictBatches(ks, vs)
        }
        if let state = o.state { then += [.save(state), .op(PickleOpcode.build)] }
        push(steps + [.memoizeThen(key, then: then)])
    }

    /// `save_reduce(callable, args)` with a new args tuple of at most 3 items, then memoizes the result.
    private func reduce(_ callable: PickleGlobal, args: [Step], key: Key) -> [Step] {
        [.global(callable)] + args
            + [.op([PickleOpcode.emptyTuple, PickleOpcode.tuple1, PickleOpcode.tuple2, PickleOpcode.tuple3][args.count]),
               .memoizeFresh, .op(PickleOpcode.reduce), .memoize(key)]
    }

    private func tzArg(_ tz: PickleRef?) -> [Step] {
        tz.map { [Step.save($0)] } ?? []
    }

    /// `timedelta(days, seconds, microseconds)` through REDUCE, without the final memo_put.
    func timedeltaSteps(_ td: PickleTimedelta) -> [Step] {
        [.global(.datetimeTimedelta), .int(Int64(td.days)), .int(Int64(td.seconds)), .int(Int64(td.microseconds)),
         .op(PickleOpcode.tuple3), .memoizeFresh, .op(PickleOpcode.reduce)]
    }

    // MARK: batching (CPython's batch_list_exact, batch_dict_exact, batch_dict, save_set)

    /// `batch_list_exact`: one item → APPEND; otherwise MARK ... APPENDS per 1000.
    func listBatches(_ items: [PickleRef]) -> [Step] {
        if items.isEmpty { return [] }
        if items.count == 1 { return [.save(items[0]), .op(PickleOpcode.append)] }
        var steps: [Step] = []
        steps.reserveCapacity(items.count + 2 * (items.count / Self.batchSize + 1))
        var i = 0
        while i < items.count {
            steps.append(.op(PickleOpcode.mark))
            let end = min(i + Self.batchSize, items.count)
            for j in i..<end { steps.append(.save(items[j])) }
            steps.append(.op(PickleOpcode.appends))
            i = end
        }
        return steps
    }

    /// `batch_list` over an iterator: a batch of one item is an APPEND without MARK.
    func iteratorListBatches(_ items: [PickleRef]) -> [Step] {
        var steps: [Step] = []
        var i = 0
        while i < items.count {
            let end = min(i + Self.batchSize, items.count)
            if end - i == 1 {
                steps += [.save(items[i]), .op(PickleOpcode.append)]
            } else {
                steps.append(.op(PickleOpcode.mark))
                for j in i..<end { steps.append(.save(items[j])) }
                steps.append(.op(PickleOpcode.appends))
            }
            i = end
        }
        return steps
    }

    /// `batch_dict_exact`: one item → SETITEM; otherwise MARK ... SETITEMS per 1000, and (as CPython
    /// does) one more empty MARK SETITEMS after a final full batch.
    func exactDictBatches(_ keys: [PickleRef], _ values: [PickleRef]) -> [Step] {
        let n = keys.count
        if n == 0 { return [] }
        if n == 1 { return [.save(keys[0]), .save(values[0]), .op(PickleOpcode.setItem)] }
        var steps: [Step] = []
        steps.reserveCapacity(2 * n + 2 * (n / Self.batchSize + 1))
        var i = 0
        var batch = 0
        repeat {
            steps.append(.op(PickleOpcode.mark))
            batch = 0
            while i < n && batch < Self.batchSize {
                steps.append(.save(keys[i])); steps.append(.save(values[i]))
                i += 1; batch += 1
            }
            steps.append(.op(PickleOpcode.setItems))
        } while batch == Self.batchSize
        return steps
    }

    /// `batch_dict` over an iterator (dict subclasses): a batch of one item is a SETITEM without MARK.
    func iteratorDictBatches(_ keys: [PickleRef], _ values: [PickleRef]) -> [Step] {
        var steps: [Step] = []
        var i = 0
        while i < keys.count {
            let end = min(i + Self.batchSize, keys.count)
            if end - i == 1 {
                steps += [.save(keys[i]), .save(values[i]), .op(PickleOpcode.setItem)]
            } else {
                steps.append(.op(PickleOpcode.mark))
                for j in i..<end { steps.append(.save(keys[j])); steps.append(.save(values[j])) }
                steps.append(.op(PickleOpcode.setItems))
            }
            i = end
        }
        return steps
    }

    /// `save_set` (protocol 4+): MARK ... ADDITEMS per 1000, with the same trailing empty batch quirk.
    func setBatches(_ items: [PickleRef]) -> [Step] {
        if items.isEmpty { return [] }
        var steps: [Step] = []
        var i = 0
        var batch = 0
        repeat {
            steps.append(.op(PickleOpcode.mark))
            batch = 0
            while i < items.count && batch < Self.batchSize {
                steps.append(.save(items[i]))
                i += 1; batch += 1
            }
            steps.append(.op(PickleOpcode.addItems))
        } while batch == Self.batchSize
        return steps
    }

    // MARK: scalars

    mutating func writeInt(_ v: Int64) {
        if v >= 0 && v <= 0xFF {
            out.write(PickleOpcode.binInt1, UInt8(v))
        } else if v >= 0 && v <= 0xFFFF {
            out.write(PickleOpcode.binInt2)
            out.writeLE(UInt64(v), width: 2)
        } else if v >= Int64(Int32.min) && v <= Int64(Int32.max) {
            out.write(PickleOpcode.binInt)
            out.writeLE(UInt64(bitPattern: v), width: 4)
        } else {
            writeLong(PickleEncoder.twosComplement(v))
        }
    }

    /// LONG1 or LONG4 of a minimal two's complement; small values go through ``writeInt(_:)``.
    mutating func writeLong(_ bytes: [UInt8]) {
        if bytes.count <= 4, let v = PickleEncoder.int64(twosComplement: bytes), v >= Int64(Int32.min) && v <= Int64(Int32.max) {
            writeInt(v)
            return
        }
        if bytes.count < 256 {
            out.write(PickleOpcode.long1, UInt8(bytes.count))
        } else {
            out.write(PickleOpcode.long4)
            out.writeLE(UInt64(bytes.count), width: 4)
        }
        out.write(bytes)
    }

    mutating func writeUnicode(_ s: String) {
        let utf8 = s.utf8
        let n = utf8.count
        if n <= 0xFF && proto >= 4 {
            out.writeLarge(header: [PickleOpcode.shortBinUnicode, UInt8(n)], payload: utf8)
        } else if n <= 0xFFFF_FFFF {
            out.writeLarge(header: [PickleOpcode.binUnicode] + le(UInt64(n), 4), payload: utf8)
        } else {
            out.writeLarge(header: [PickleOpcode.binUnicode8] + le(UInt64(n), 8), payload: utf8)
        }
    }

    /// `save_bytes`: SHORT_BINBYTES/BINBYTES in protocol 3+, `_codecs.encode(latin1 str, "latin1")` in 2.
    mutating func saveBytes(_ b: [UInt8], key: Key?) {
        if proto >= 3 {
            if b.count <= 0xFF {
                out.writeLarge(header: [PickleOpcode.shortBinBytes, UInt8(b.count)], payload: b)
            } else if b.count <= 0xFFFF_FFFF {
                out.writeLarge(header: [PickleOpcode.binBytes] + le(UInt64(b.count), 4), payload: b)
            } else {
                out.writeLarge(header: [PickleOpcode.binBytes8] + le(UInt64(b.count), 8), payload: b)
            }
            if let key { memoPut(key) } else { memoPut() }
        } else {
            let done: Step = key.map { Step.memoize($0) } ?? .memoizeFresh
            if b.isEmpty {
                push([.global(.builtinsBytes), .atom(PickleOpcode.emptyTuple), .op(PickleOpcode.reduce), done])
            } else {
                push([.global(.codecsEncode), .freshString(PickleEncoder.latin1String(b)), .internedString("latin1"),
                      .op(PickleOpcode.tuple2), .memoizeFresh, .op(PickleOpcode.reduce), done])
            }
        }
    }

    func le(_ v: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * $0)) }
    }
}
