/// REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ and BUILD: nothing is ever called.
///
/// A global on the allowlist is rebuilt as a typed value from its arguments;
/// every other global yields an inert ``PickleObject`` recording what the
/// pickle asked for. An allowlisted global whose arguments have an
/// unrecognized shape also stays inert; a recognized shape with impossible
/// values (month 13) is `.badValue`, as CPython would refuse it too.
extension PickleUnpickler {
    /// What a call produced: the node, and dict items to set on it afterwards.
    struct Construction {
        var node: PickleNode
        var dictItems: [PickleRef] = []
    }

    mutating func loadReduce(callable: PickleRef, args: PickleRef) throws(PickleError) {
        if try reduceFromStorage(callable: callable.index, args: args.index) { return }
        guard case .global(let g) = st[callable] else { throw fail(.typeMismatch, "REDUCE callable is not a global") }
        guard case .tuple(let argv) = st[args] else { throw fail(.typeMismatch, "REDUCE arguments are not a tuple") }
        try pushConstruction(try construct(g, known: known(callable, g), argsRef: args, argv: argv, kwargs: nil))
    }

    mutating func loadNewObj(cls: PickleRef, args: PickleRef, kwargs: PickleRef?) throws(PickleError) {
        guard case .global(let g) = st[cls] else { throw fail(.typeMismatch, "NEWOBJ class is not a global") }
        guard case .tuple(let argv) = st[args] else { throw fail(.typeMismatch, "NEWOBJ arguments are not a tuple") }
        if let kwargs {
            guard case .dict = st[kwargs] else { throw fail(.typeMismatch, "NEWOBJ_EX keyword arguments are not a dict") }
        }
        try pushConstruction(try construct(g, known: known(cls, g), argsRef: args, argv: argv, kwargs: kwargs))
    }

    mutating func loadInst(_ g: PickleGlobal, args: [PickleRef]) throws(PickleError) {
        try chargeSlots(args.count)
        let tuple = try addNode(.tuple(args))
        try pushConstruction(try construct(g, known: PickleKnownGlobal(g), argsRef: tuple, argv: args, kwargs: nil))
    }

    /// REDUCE of `copyreg._reconstructor` (web.py's Storage, `uuid.UUID` at protocols 0 and 1), read
    /// straight from storage: true when the value was pushed here.
    ///
    /// The same steps as ``constructKnown(_:_:argv:)`` and ``pushConstruction(_:)`` take, in the same
    /// order (so the same checks and errors), without building the arguments as nodes; every other
    /// shape returns false having changed nothing.
    private mutating func reduceFromStorage(callable: Int, args: Int) throws(PickleError) -> Bool {
        let c = st.raw[callable], a = st.raw[args]
        guard c.tag == .global, c.count == PickleKnownGlobal.copyregReconstructor.rawValue, a.tag == .tuple,
              a.count == 3 else { return false }
        let cls = st.raw[st.items[a.start]], base = st.raw[st.items[a.start + 1]]
        guard cls.tag == .global, base.tag == .global, let clsKnown = PickleKnownGlobal(rawValue: cls.count),
              !clsKnown.isCopyreg, case .global(let g) = st.extras[Int(truncatingIfNeeded: cls.payload)] else {
            return false
        }
        switch PickleKnownGlobal(rawValue: base.count) {
        case .builtinsObject?:
            try push(clsKnown == .dictSubclass ? .dict(PickleDict(subclass: g)) : .object(PickleObject(type: g)))
        case .builtinsDict?:
            let state = st.raw[st.items[a.start + 2]]
            guard state.tag == .none || state.tag == .dict else { return false }
            let ref = try push(.dict(PickleDict(subclass: g)))
            let n = Int(state.count)
            if state.tag == .dict && n > 0 {
                // The state's keys and values, copied above the stack's top: filling the new dict
                // may move the item buffer they are read from.
                stack.reserve(n)
                let kv = stack.base + stack.count
                kv.initialize(from: st.items.base + state.start, count: n)
                try setItems(in: ref.index, UnsafeBufferPointer(start: kv, count: n))
            }
        default:
            return false
        }
        return true
    }

    private mutating func pushConstruction(_ c: Construction) throws(PickleError) {
        let ref = try push(c.node)
        if !c.dictItems.isEmpty { try setItems(in: ref, c.dictItems) }
    }

    /// The value of `g(*argv, **kwargs)` for allowlisted globals, else an inert object.
    /// The classification kept in a `.global` node (computed for globals built elsewhere).
    func known(_ ref: PickleRef, _ g: PickleGlobal) -> PickleKnownGlobal {
        let r = st.raw[ref.index]
        if r.tag == .global, let k = PickleKnownGlobal(rawValue: r.count) { return k }
        return PickleKnownGlobal(g)
    }

    mutating func construct(_ g: PickleGlobal, known: PickleKnownGlobal, argsRef: PickleRef, argv: [PickleRef],
                            kwargs: PickleRef?) throws(PickleError) -> Construction {
        var hasKeywords = false
        if let kwargs, case .dict(let d) = st[kwargs], !d.keys.isEmpty { hasKeywords = true }
        if !hasKeywords, let made = try constructKnown(g, known, argv: argv) { return made }
        return Construction(node: .object(PickleObject(type: g, args: argsRef, kwargs: kwargs)))
    }

    // swiftlint:disable:next cyclomatic_complexity
    private mutating func constructKnown(_ g: PickleGlobal, _ known: PickleKnownGlobal, argv: [PickleRef]) throws(PickleError) -> Construction? {
        switch known {
        case .set, .frozenset:
            var items: [PickleRef] = []
            if argv.count == 1 {
                switch st[argv[0]] {
                case .list(let x), .tuple(let x), .set(let x), .frozenset(let x): items = x
                default: return nil
                }
            } else if argv.count > 1 { return nil }
            for item in items { try requireHashable(item.index) }
            try chargeSlots(items.count)
            return Construction(node: known == .set ? .set(items) : .frozenset(items))
        case .bytes, .bytearray:
            guard let bytes = try bytesFromArguments(argv) else { return nil }
            return Construction(node: known == .bytes ? .bytes(bytes) : .bytearray(bytes))
        case .codecsEncode:
            guard argv.count >= 1, argv.count <= 2, case .string(let s) = st[argv[0]] else { return nil }
            let encoding = argv.count == 2 ? keyText(argv[1]) : "utf-8"
            guard let encoding, let bytes = try encode(s, encoding: encoding) else { return nil }
            try charge(bytes.count)
            return Construction(node: .bytes(bytes))
        case .copyregReconstructor:
            return try reconstructor(argv)
        case .copyregNewobj:
            guard let first = argv.first, case .global(let cls) = st[first] else { return nil }
            let clsKnown = self.known(first, cls)
            guard !clsKnown.isCopyreg else { return nil }
            let rest = Array(argv.dropFirst())
            try chargeSlots(rest.count)
            let tuple = try addNode(.tuple(rest))
            return try construct(cls, known: clsKnown, argsRef: tuple, argv: rest, kwargs: nil)
        case .copyregNewobjEx:
            guard argv.count == 3, case .global(let cls) = st[argv[0]], !self.known(argv[0], cls).isCopyreg,
                  case .tuple(let rest) = st[argv[1]], case .dict = st[argv[2]] else { return nil }
            return try construct(cls, known: self.known(argv[0], cls), argsRef: argv[1], argv: rest, kwargs: argv[2])
        case .datetime:
            return try makeDateTime(argv).map { Construction(node: .datetime($0)) }
        case .date:
            return try makeDate(argv).map { Construction(node: .date($0)) }
        case .time:
            return try makeTime(argv).map { Construction(node: .time($0)) }
        case .timedelta:
            return try makeTimedelta(argv).map { Construction(node: .timedelta($0)) }
        case .timezone:
            return try makeTimezone(argv).map { Construction(node: .timezone($0)) }
        case .decimal:
            guard argv.count == 1 || argv.count == 2 else { return nil }
            let text: String
            switch st[argv[0]] {
            case .string(let s): text = s
            case .py2String(let b): text = b.text
            case .int(let v): text = String(v)
            case .bigInt(let b): text = b.decimalString
            default: return nil
            }
            guard let canonical = PickleDecimal(parsing: text) else { throw fail(.badValue, "Decimal argument does not parse") }
            return Construction(node: .decimal(canonical))
        case .psycopgFixedOffset:
            return try makeFixedOffset(g, argv).map { Construction(node: .timezone($0)) }
        case .dictSubclass:
            return try dictSubclass(g, argv)
        case .other, .uuid, .builtinsObject, .builtinsDict:
            return nil
        }
    }

    /// `copyreg._reconstructor(cls, base, state)`: `object` base → a fresh `cls`; `dict` base → a dict subclass.
    private mutating func reconstructor(_ argv: [PickleRef]) throws(PickleError) -> Construction? {
        guard argv.count == 3, case .global(let cls) = st[argv[0]], case .global(let base) = st[argv[1]] else { return nil }
        let clsKnown = known(argv[0], cls)
        guard !clsKnown.isCopyreg else { return nil }
        let state = argv[2]
        switch known(argv[1], base) {
        case .builtinsObject:
            if clsKnown == .dictSubclass {
                return Construction(node: .dict(PickleDict(subclass: cls)))
            }
            return Construction(node: .object(PickleObject(type: cls)))
        case .builtinsDict:
            switch st[state] {
            case .none: return Construction(node: .dict(PickleDict(subclass: cls)))
            case .dict(let d): return Construction(node: .dict(PickleDict(subclass: cls)), dictItems: interleave(d))
            default: return nil
            }
        default:
            if case .none = st[state] { return Construction(node: .object(PickleObject(type: cls))) }
            try chargeSlots(1)
            let tuple = try addNode(.tuple([state]))
            return Construction(node: .object(PickleObject(type: cls, args: tuple)))
        }
    }

    /// Known dict subclasses called directly: `Storage()`, `Storage(d)`, Python 2 `OrderedDict([[k, v], ...])`.
    private mutating func dictSubclass(_ g: PickleGlobal, _ argv: [PickleRef]) throws(PickleError) -> Construction? {
        if argv.isEmpty { return Construction(node: .dict(PickleDict(subclass: g))) }
        guard argv.count == 1 else { return nil }
        switch st[argv[0]] {
        case .dict(let d):
            return Construction(node: .dict(PickleDict(subclass: g)), dictItems: interleave(d))
        case .list(let pairs), .tuple(let pairs):
            var items: [PickleRef] = []
            for p in pairs {
                switch st[p] {
                case .list(let kv) where kv.count == 2, .tuple(let kv) where kv.count == 2: items += kv
                default: return nil
                }
            }
            return Construction(node: .dict(PickleDict(subclass: g)), dictItems: items)
        default:
            return nil
        }
    }

    func interleave(_ d: PickleDict) -> [PickleRef] {
        var items: [PickleRef] = []
        items.reserveCapacity(d.keys.count * 2)
        for (k, v) in zip(d.keys, d.values) { items.append(k); items.append(v) }
        return items
    }

    /// `bytes(...)`/`bytearray(...)` argument forms CPython writes for protocols below 3 (and Python 2's bytearray).
    private mutating func bytesFromArguments(_ argv: [PickleRef]) throws(PickleError) -> [UInt8]? {
        if argv.isEmpty { return [] }
        var result: [UInt8]?
        switch st[argv[0]] {
        case .bytes(let b), .bytearray(let b):
            guard argv.count == 1 else { return nil }
            result = b
        case .py2String(let b):
            guard argv.count == 1 else { return nil }
            result = b.bytes
        case .string(let s):
            guard argv.count == 2, let encoding = keyText(argv[1]) else { return nil }
            result = try encode(s, encoding: encoding)
        case .list(let items):
            guard argv.count == 1 else { return nil }
            var out: [UInt8] = []
            for item in items {
                guard case .int(let v) = st[item], v >= 0, v <= 255 else { return nil }
                out.append(UInt8(v))
            }
            result = out
        default:
            return nil
        }
        if let result { try charge(result.count) }
        return result
    }

    /// `str.encode(encoding)` for Latin-1 and UTF-8 only; other encodings → nil (inert).
    private func encode(_ s: String, encoding: String) throws(PickleError) -> [UInt8]? {
        switch encoding.lowercased() {
        case "latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1", "iso_8859_1", "l1":
            var out: [UInt8] = []
            out.reserveCapacity(s.unicodeScalars.count)
            for scalar in s.unicodeScalars {
                guard scalar.value <= 0xFF else { throw fail(.badValue, "text is not encodable as Latin-1") }
                out.append(UInt8(scalar.value))
            }
            return out
        case "utf-8", "utf8", "utf_8":
            return Array(s.utf8)
        default:
            return nil
        }
    }

    /// The text of a str or Python 2 str node.
    func keyText(_ ref: PickleRef) -> String? {
        switch st[ref] {
        case .string(let s): return s
        case .py2String(let b): return b.text
        default: return nil
        }
    }

    // MARK: - BUILD

    /// BUILD: state goes to an inert object, completes a `uuid.UUID` or a psycopg2 time zone.
    mutating func loadBuild(target: PickleRef, state: PickleRef) throws(PickleError) {
        let t = target.index
        // CPython's BUILD does nothing with a None state, whatever the target.
        if case .none = st[state] { return }
        switch st[PickleRef(t)] {
        case .object(var object):
            if PickleKnownGlobal(object.type) == .uuid, let uuid = uuidFromState(state) {
                st[PickleRef(t)] = .uuid(uuid)
                return
            }
            if case .none = st[state] { return }
            object.state = state
            st[PickleRef(t)] = .object(object)
        case .timezone(var tz) where tz.origin.normalized == .psycopgFixedOffset:
            if case .none = st[state] { return }
            guard case .dict(let d) = st[state] else { throw fail(.typeMismatch, "time zone state is not a dict") }
            for (k, v) in zip(d.keys, d.values) {
                switch keyText(k) {
                case "_offset":
                    switch st[v] {
                    case .timedelta(let td): tz.offset = td
                    case .int(let minutes): tz.offset = try timedelta(minutes: minutes)
                    default: throw fail(.badValue, "time zone offset is not a timedelta")
                    }
                case "_name":
                    switch st[v] {
                    case .none: tz.name = nil
                    case .string(let s): tz.name = s
                    case .py2String(let b): tz.name = b.text
                    default: throw fail(.badValue, "time zone name is not a string")
                    }
                default: break  // other attributes carry nothing a fixed offset needs
                }
            }
            st[PickleRef(t)] = .timezone(tz)
        case .dict(let d):
            if isEmptyState(state) { return }
            guard let subclass = d.subclass else { throw fail(.typeMismatch, "BUILD on a plain dict") }
            // A dict subclass with instance attributes: keep both, as an inert object.
            st[PickleRef(t)] = .object(PickleObject(type: subclass, state: state, dictItems: interleave(d)))
        default:
            throw fail(.typeMismatch, "BUILD target cannot take state")
        }
    }

    private func isEmptyState(_ ref: PickleRef) -> Bool {
        switch st[ref] {
        case .none: return true
        case .dict(let d): return d.keys.isEmpty
        case .tuple(let parts) where parts.count == 2:
            return parts.allSatisfy { p in
                switch st[p] {
                case .none: return true
                case .dict(let d): return d.keys.isEmpty
                default: return false
                }
            }
        default: return false
        }
    }

    /// `{'int': N, ...}` (extra keys such as `is_safe` tolerated), or `(dict, slots)` pairs.
    private func uuidFromState(_ state: PickleRef) -> PickleUUID? {
        var dicts: [PickleDict] = []
        switch st[state] {
        case .dict(let d): dicts = [d]
        case .tuple(let parts) where parts.count == 2:
            for p in parts { if case .dict(let d) = st[p] { dicts.append(d) } }
        default: return nil
        }
        for d in dicts {
            for (k, v) in zip(d.keys, d.values) where keyText(k) == "int" {
                let big: PickleBigInt
                switch st[v] {
                case .int(let x): big = PickleBigInt(x)
                case .bigInt(let b): big = b
                default: return nil
                }
                return PickleUUID(integer: big)
            }
        }
        return nil
    }
}
