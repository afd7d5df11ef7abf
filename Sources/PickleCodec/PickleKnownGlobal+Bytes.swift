#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PickleKnownGlobal {
    /// The names sessions use most, as CPython 3 and 2 write them.
    private static let commonNames: [(module: String, names: [String])] = [
        ("datetime", ["datetime", "date", "timedelta", "timezone", "time"]),
        ("decimal", ["Decimal"]),
        ("uuid", ["UUID"]),
        ("web.utils", ["Storage"]),
        ("_codecs", ["encode"]),
        ("builtins", ["set", "frozenset", "bytes", "bytearray", "object", "dict"]),
        ("__builtin__", ["set", "frozenset", "bytearray", "object", "dict"]),
        ("copyreg", ["_reconstructor", "__newobj__", "__newobj_ex__"]),
        ("copy_reg", ["_reconstructor", "__newobj__", "__newobj_ex__"]),
    ]

    /// The common names in table order (see ``common(_:)``), with their classification by
    /// ``PickleKnownGlobal/init(_:)`` itself, so the byte lookup and the general path agree.
    private static let commonEntries: [(global: PickleGlobal, known: PickleKnownGlobal)] = commonNames.flatMap { entry in
        entry.names.map { name in
            let g = PickleGlobal(module: entry.module, name: name)
            return (g, PickleKnownGlobal(g))
        }
    }

    /// The common name at `index` (from ``CommonTable/lookup(module:_:name:_:)``).
    static func common(_ index: Int) -> PickleGlobal { commonEntries[index].global }

    /// The classification of the common name at `index`.
    static func commonKnown(_ index: Int) -> PickleKnownGlobal { commonEntries[index].known }

    /// Finds the common names by their bytes, without building strings: an open-addressing hash
    /// table in memory that lives as long as the process, so the decoder keeps a copy of this
    /// value (two pointers) and a lookup costs no lazy-global check and no reference counting.
    struct CommonTable: @unchecked Sendable {  // immutable after init
        static let shared = CommonTable()

        /// Hash slots (a power of two), probed linearly. Per slot: the signature (see ``signature``)
        /// << 32 | classification << 24 | byte offset << 8 | index + 1; 0 for an empty slot.
        private static let slotCount = 128
        private let slots: UnsafeMutablePointer<UInt64>
        /// Each entry's module then name bytes.
        private let bytes: UnsafeMutablePointer<UInt8>

        private init() {
            var all: [UInt8] = []
            slots = .allocate(capacity: Self.slotCount)
            slots.initialize(repeating: 0, count: Self.slotCount)
            for (i, entry) in PickleKnownGlobal.commonEntries.enumerated() {
                let m = Array(entry.global.module.utf8), n = Array(entry.global.name.utf8)
                let s = Self.signature(m.count, n.count, m[0], n[0])
                var slot = Self.slot(s)
                while slots[slot] != 0 { slot = (slot + 1) & (Self.slotCount - 1) }
                slots[slot] = UInt64(s) << 32 | UInt64(entry.known.rawValue) << 24 | UInt64(all.count) << 8 | UInt64(i + 1)
                all += m + n
            }
            bytes = .allocate(capacity: all.count)
            bytes.initialize(from: all, count: all.count)
        }

        /// Both lengths and first bytes: most other names differ from every entry here.
        @inline(__always)
        private static func signature(_ moduleCount: Int, _ nameCount: Int, _ m0: UInt8, _ n0: UInt8) -> UInt32 {
            UInt32(truncatingIfNeeded: moduleCount) << 24 | UInt32(truncatingIfNeeded: nameCount) << 16
                | UInt32(m0) << 8 | UInt32(n0)
        }

        /// The first slot to probe for a signature (a multiplicative hash).
        @inline(__always)
        private static func slot(_ signature: UInt32) -> Int {
            Int(truncatingIfNeeded: (signature &* 0x9E37_79B1) >> 25)
        }

        /// Whether `n` bytes at `a` and `b` are equal, reading none past them: two overlapping words
        /// cover the 4 to 16 bytes the table's names have.
        @inline(__always)
        private static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            if n > 16 { return memcmp(a, b, n) == 0 }
            if n >= 8 {
                return ra.loadUnaligned(as: UInt64.self) == rb.loadUnaligned(as: UInt64.self)
                    && ra.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == rb.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            }
            if n >= 4 {
                return ra.loadUnaligned(as: UInt32.self) == rb.loadUnaligned(as: UInt32.self)
                    && ra.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == rb.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            }
            var i = 0
            while i < n {
                if a[i] != b[i] { return false }
                i += 1
            }
            return true
        }

        /// Finds a common allowlisted name by its bytes.
        ///
        /// - Parameters:
        ///   - module: the module name's bytes, as the pickle holds them (`moduleCount` of them).
        ///   - name: the class name's bytes (`nameCount` of them).
        /// - Returns: the name's index (see ``PickleKnownGlobal/common(_:)``) and classification, or nil
        ///   for any other name (the caller then builds the strings and classifies them with ``init(_:)``).
        @inline(__always)
        func lookup(module: UnsafePointer<UInt8>, _ moduleCount: Int,
                    name: UnsafePointer<UInt8>, _ nameCount: Int) -> (index: Int, known: PickleKnownGlobal)? {
            guard moduleCount > 0, nameCount > 0, moduleCount < 64, nameCount < 64 else { return nil }
            let wanted = UInt64(Self.signature(moduleCount, nameCount, module[0], name[0]))
            var slot = Self.slot(UInt32(wanted))
            while true {
                let e = slots[slot]
                if e == 0 { return nil }
                if e >> 32 == wanted {
                    let at = bytes + Int(truncatingIfNeeded: e >> 8 & 0xFFFF)
                    if Self.same(at, module, moduleCount) && Self.same(at + moduleCount, name, nameCount) {
                        // The classification was stored from a PickleKnownGlobal: always valid.
                        return (Int(truncatingIfNeeded: e & 0xFF) - 1, PickleKnownGlobal(rawValue: UInt32(truncatingIfNeeded: e >> 24 & 0xFF)) ?? .other)
                    }
                }
                slot = (slot + 1) & (Self.slotCount - 1)
            }
        }
    }
}
