/// REDUCE and NEWOBJ of the allowlisted types sessions are full of (datetime, date,
/// timedelta, Decimal, `_codecs.encode`, web.py's Storage), built straight from storage.
///
/// Each fast path takes only the argument shapes CPython writes and leaves everything
/// else, untouched, to the general path (PickleUnpickler+Reduce.swift), which
/// gives the same value or the same error for those shapes too.
extension PickleUnpickler {
    /// REDUCE: true when the value was built and pushed here.
    ///
    /// Field checks are static functions here: calling the machine's own checking methods from this
    /// mutating one would copy the whole machine per call.
    mutating func reduceFast(callable: Int, args: Int) throws(PickleError) -> Bool {
        let c = st.raw[callable], a = st.raw[args]
        guard c.tag == .global, a.tag == .tuple else { return false }
        typealias K = PickleKnownGlobal
        let n = Int(a.count)
        let first = n > 0 ? st.raw[st.items[a.start]] : PickleRawNode(tag: .none)
        switch c.count {
        case K.datetime.rawValue:
            guard n == 1 || n == 2, first.tag == .bytes || first.tag == .py2String, first.count == 10 else { return false }
            var tz = 0
            if n == 2 {
                let t = st.items[a.start + 1]
                switch st.raw[t].tag {
                case .none: break
                case .timezone, .newObject: tz = t + 1
                case .extra:
                    switch st.extras[Int(truncatingIfNeeded: st.raw[t].payload)] {
                    case .timezone, .object: tz = t + 1
                    default: return false
                    }
                default: return false
                }
            }
            let b = bytesStart(of: first)  // 10 bytes
            let year = Int(b[0]) << 8 | Int(b[1]), month = Int(b[2] & 0x7F), day = Int(b[3])
            let hour = Int(b[4]), minute = Int(b[5]), second = Int(b[6]), us = Int(b[7]) << 16 | Int(b[8]) << 8 | Int(b[9])
            guard Self.isValidDate(year, month, day) else { throw fail(.badValue, "date field out of range") }
            guard hour < 24, minute < 60, second < 60, us < 1_000_000 else { throw fail(.badValue, "time field out of range") }
            var r = PickleRawNode(tag: .datetime, payload: UInt64(year) << 40 | UInt64(month) << 32 | UInt64(day) << 24
                                    | UInt64(hour) << 16 | UInt64(minute) << 8 | UInt64(second))
            r.count = UInt32(us) | UInt32(b[2] >> 7) << 31
            r.ext = UInt32(tz)
            try pushRaw(r)
        case K.date.rawValue:
            guard n == 1, first.tag == .bytes || first.tag == .py2String, first.count == 4 else { return false }
            let b = bytesStart(of: first)  // 4 bytes
            let year = Int(b[0]) << 8 | Int(b[1]), month = Int(b[2]), day = Int(b[3])
            guard Self.isValidDate(year, month, day) else { throw fail(.badValue, "date field out of range") }
            try pushRaw(PickleRawNode(tag: .date, payload: UInt64(year) << 16 | UInt64(month) << 8 | UInt64(day)))
        case K.timedelta.rawValue:
            guard n <= 3 else { return false }
            var parts = (0, 0, 0)
            for j in 0 ..< n {
                let p = st.raw[st.items[a.start + j]]
                guard p.tag == .int || p.tag == .bool else { return false }
                let v = Int(Int64(bitPattern: p.payload))
                switch j {
                case 0: parts.0 = v
                case 1: parts.1 = v
                default: parts.2 = v
                }
            }
            guard let td = Self.normalized(days: parts.0, seconds: parts.1, microseconds: parts.2) else {
                throw fail(.badValue, "timedelta out of range")
            }
            var r = PickleRawNode(tag: .timedelta, payload: UInt64(td.seconds) << 32 | UInt64(td.microseconds))
            r.count = UInt32(bitPattern: Int32(td.days))
            try pushRaw(r)
        case K.decimal.rawValue:
            guard n == 1, first.tag == .string || first.tag == .py2String, !first.inHeap else { return false }
            let s = Int(truncatingIfNeeded: first.payload)
            guard PickleDecimal.isPlainCanonical(bytes: UnsafeBufferPointer(start: base + s, count: Int(first.count))) else {
                return false
            }
            var r = first
            r.tag = .decimal
            try pushRaw(r)
        case K.codecsEncode.rawValue:
            // `_codecs.encode(text, 'latin1')`: how Python 3 writes bytes (datetime states) at protocols 0-2.
            guard n == 2, first.tag == .string else { return false }
            let e = st.raw[st.items[a.start + 1]]
            guard e.tag == .string, e.count == 6, !e.inHeap else { return false }
            let es = Int(truncatingIfNeeded: e.payload)
            guard base[es] == 0x6C, base[es + 1] == 0x61, base[es + 2] == 0x74, base[es + 3] == 0x69,
                  base[es + 4] == 0x6E, base[es + 5] == 0x31 else { return false }  // "latin1"
            return try pushLatin1(from: first)
        case K.set.rawValue, K.frozenset.rawValue:
            // `set(list)` as protocols 0 and 1 write sets: the items, checked and copied as they are.
            guard n <= 1 else { return false }
            var items = PickleRawNode(tag: .list)  // no argument: no items
            if n == 1 {
                items = first
                switch first.tag {
                case .list, .tuple, .set, .frozenset: break
                default: return false
                }
            }
            let count = Int(items.count)
            for i in items.start ..< items.start + count { try requireHashable(st.items[i]) }
            try chargeSlots(count)
            try charge(16)
            try checkItemSpace()
            var r = PickleRawNode(tag: c.count == K.set.rawValue ? .set : .frozenset)
            r.start = st.items.count
            r.capacity = count
            r.count = UInt32(count)
            st.items.append(from: st.items.base + items.start, count: count)  // reads them before any move
            if count > 1 {
                // Equal elements keep the first, as the general path does (only hand-made pickles repeat one).
                let unique = uniqueElements((r.start ..< r.start + count).map { PickleRef(st.items[$0]) })
                if unique.count < count {
                    for (k, ref) in unique.enumerated() { st.items[r.start + k] = ref.index }
                    r.count = UInt32(unique.count)
                }
            }
            st.raw.append(r)
            try pushIndex(st.raw.count - 1)
        case K.copyregReconstructor.rawValue:
            // `copyreg._reconstructor(cls, base, state)` as protocols 0 and 1 write instances: with an
            // `object` base a bare inert object (or an empty dict subclass), with a `dict` base and no
            // state an empty dict subclass. Any other shape: the general path.
            guard n == 3 else { return false }
            let cls = st.raw[st.items[a.start]], baseClass = st.raw[st.items[a.start + 1]]
            guard cls.tag == .global, baseClass.tag == .global, let clsKnown = K(rawValue: cls.count),
                  !clsKnown.isCopyreg else { return false }
            let makesDict: Bool
            var state = PickleRawNode(tag: .none)
            switch baseClass.count {
            case K.builtinsObject.rawValue: makesDict = clsKnown == .dictSubclass
            case K.builtinsDict.rawValue:
                state = st.raw[st.items[a.start + 2]]
                guard state.tag == .none || state.tag == .dict else { return false }
                makesDict = true
            default: return false
            }
            var r = PickleRawNode(tag: makesDict ? .dict : .newObject)  // a new object without arguments
            if makesDict { r.start = st.items.count }
            PickleStorage.refer(&r, toGlobal: cls)
            try pushNewRecord(r)
            if state.tag == .dict && state.count > 0 { try fillSubclass(st.raw.count - 1, from: state) }
        case K.timezone.rawValue:
            // `timezone(timedelta)`, strictly within a day (anything else: the general path decides).
            guard n == 1, first.tag == .timedelta else { return false }
            let days = Int32(bitPattern: first.count), rest = first.payload
            guard days == 0 || (days == -1 && rest != 0) else { return false }
            // The offset's own layout, retagged: `PickleTimezone(offset:)` with no name, as the general path makes.
            var r = first
            r.tag = .timezone
            try pushRaw(r)
        default:
            return false
        }
        return true
    }

    /// Pushes a record that stands for a ``PickleNode`` the general path would add: charged and
    /// checked as ``addNode(_:)`` does.
    private mutating func pushNewRecord(_ r: PickleRawNode) throws(PickleError) {
        try charge(16)
        try checkItemSpace()
        st.raw.append(r)
        try pushIndex(st.raw.count - 1)
    }

    /// `_reconstructor(cls, dict, state)`'s items: the general path sets the state dict's pairs on the
    /// new, empty dict subclass `target`. Its keys are distinct already, so they are copied in order,
    /// checked and charged as that SETITEMS would.
    private mutating func fillSubclass(_ target: Int, from state: PickleRawNode) throws(PickleError) {
        let n = Int(state.count)
        var k = 0
        while k < n {
            try requireHashable(st.items[state.start + k])
            k += 2
        }
        try chargeSlots(n)
        try checkItemCount(st.items.count, 2 * n)
        var r = st.raw[target]
        r.start = st.items.count
        r.capacity = n
        r.count = UInt32(n)
        st.items.append(from: st.items.base + state.start, count: n)  // reads them before any move
        st.raw[target] = r
    }

    /// What ``checkedDate(_:_:_:)`` accepts.
    @inline(__always)
    static func isValidDate(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    }

    /// ``normalizedTimedelta(days:seconds:microseconds:)``'s result, nil where it throws.
    static func normalized(days: Int, seconds: Int, microseconds: Int) -> PickleTimedelta? {
        let (carrySeconds, us) = floorDivMod(microseconds, 1_000_000)
        let (s0, o1) = seconds.addingReportingOverflow(carrySeconds)
        let (carryDays, s) = floorDivMod(s0, 86_400)
        let (d, o2) = days.addingReportingOverflow(carryDays)
        guard !o1, !o2, d >= -999_999_999, d <= 999_999_999 else { return nil }
        return PickleTimedelta(days: d, seconds: s, microseconds: us)
    }

    /// BUILD of a `uuid.UUID` made by NEWOBJ or `copyreg._reconstructor`, with the state `{'int': n}`
    /// CPython 3 writes: true when done here.
    mutating func buildFast(target: Int, state: Int) throws(PickleError) -> Bool {
        let t = st.raw[target], s = st.raw[state]
        guard t.tag == .newObject || t.tag == .extra, s.tag == .dict, s.ext == 0, s.count == 2 else { return false }
        let k = st.raw[st.items[s.start]], v = st.raw[st.items[s.start + 1]]
        guard k.tag == .string, k.count == 3, !k.inHeap, v.tag == .int || v.tag == .bigInt else { return false }
        let ks = Int(truncatingIfNeeded: k.payload)
        guard base[ks] == 0x69, base[ks + 1] == 0x6E, base[ks + 2] == 0x74 else { return false }  // "int"
        if t.tag == .newObject {
            // A new object's record has no state or items yet: only its class is left to check.
            guard st.known(referencedBy: t) == .uuid else { return false }
        } else {
            guard case .object(let object) = st.extras[Int(truncatingIfNeeded: t.payload)], object.state == nil,
                  object.listItems.isEmpty, object.dictItems.isEmpty, PickleKnownGlobal(object.type) == .uuid else { return false }
        }
        guard let uuid = uuidRecord(v) else { return false }
        st.raw[target] = uuid  // an object's extra stays, unreferenced, until the document goes
        return true
    }

    /// `UUID(int=n)` for an int or big int record, as ``PickleUUID/init(integer:)`` reads its
    /// two's-complement bytes: nil unless 0 ≤ n < 2¹²⁸.
    private func uuidRecord(_ v: PickleRawNode) -> PickleRawNode? {
        if v.tag == .int {
            guard Int64(bitPattern: v.payload) >= 0 else { return nil }
            return PickleStorage.uuidRecord(high: 0, low: v.payload)
        }
        var n = Int(v.count)
        let p = bytesStart(of: v)
        guard n == 0 || p[n - 1] & 0x80 == 0 else { return nil }  // negative
        if n == 17 && p[16] == 0 { n = 16 }
        guard n <= 16 else { return nil }
        // Little-endian bytes into two words, zero-extended: one copy of at most 16 bytes.
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
        return PickleStorage.uuidRecord(high: UInt64(littleEndian: words.1), low: UInt64(littleEndian: words.0))
    }

    /// NEWOBJ: true when the value was built and pushed here.
    mutating func newObjFast(cls: Int, args: Int) throws(PickleError) -> Bool {
        let c = st.raw[cls], a = st.raw[args]
        guard c.tag == .global, a.tag == .tuple else { return false }
        switch PickleKnownGlobal(rawValue: c.count) {
        case .other?, .uuid?, .builtinsObject?, .builtinsDict?:
            // Classes NEWOBJ never constructs (a UUID is made by the BUILD that follows): the general
            // path makes an inert object of class and arguments whatever they are. Kept as a record
            // until a SETITEM, APPEND or BUILD changes it.
            var r = PickleRawNode(tag: .newObject, payload: UInt64(args) + 1)
            PickleStorage.refer(&r, toGlobal: c)
            try pushNewRecord(r)
            return true
        case .dictSubclass? where a.count == 0:
            // `Storage.__new__(Storage)`.
            var r = PickleRawNode(tag: .dict)
            r.start = st.items.count
            PickleStorage.refer(&r, toGlobal: c)  // the global's table entry or own extra
            try pushRaw(r)
            return true
        default:
            return false
        }
    }

    /// Pushes the Latin-1 bytes of a str node (false, nothing pushed, when a code point is above U+00FF).
    private mutating func pushLatin1(from text: PickleRawNode) throws(PickleError) -> Bool {
        let s = Int(truncatingIfNeeded: text.payload), n = Int(text.count)
        let start = st.heap.count
        st.heap.reserve(n)  // the text may be in the heap itself: no reallocation while it is read
        let src = text.inHeap ? UnsafePointer(st.heap.base) + s : base + s
        let out = st.heap.base + start
        var i = 0, o = 0
        while i < n {
            let c = src[i]
            if c < 0x80 {
                out[o] = c
                i += 1
            } else if c == 0xC2 || c == 0xC3 {
                out[o] = (c & 0x03) << 6 | src[i + 1] & 0x3F  // validated UTF-8: a continuation follows
                i += 2
            } else {
                return false
            }
            o += 1
        }
        st.heap.count = start + o
        let count = o
        try charge(count)
        var r = PickleRawNode(tag: .bytes, payload: UInt64(start))
        r.inHeap = true
        r.count = UInt32(count)
        try pushRaw(r)
        return true
    }
}
