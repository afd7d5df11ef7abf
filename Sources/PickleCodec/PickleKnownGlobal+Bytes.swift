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

    /// The common names as lookup tables: parallel arrays in one immutable object, so a lookup
    /// retains one reference rather than each array.
    private final class Table: Sendable {
        /// Hash slots (a power of two): entry index + 1, 0 when empty; probed linearly.
        static let slotCount = 128
        /// Per slot: the entry's signature, so a probe compares one word before any bytes.
        let slotSignatures: [UInt32]
        /// Per slot: entry index + 1, or 0 for an empty slot.
        let slotEntries: [Int32]
        /// Per entry: offset of `module` then `name` in ``bytes``.
        let offsets: [Int]
        let bytes: [UInt8]
        let globals: [PickleGlobal]
        /// Classified by ``PickleKnownGlobal/init(_:)`` itself, so both paths agree.
        let known: [PickleKnownGlobal]

        init() {
            var offsets: [Int] = [], bytes: [UInt8] = [], signatures: [UInt32] = []
            var globals: [PickleGlobal] = [], known: [PickleKnownGlobal] = []
            for (module, names) in PickleKnownGlobal.commonNames {
                for name in names {
                    let m = Array(module.utf8), n = Array(name.utf8)
                    signatures.append(Table.signature(m.count, n.count, m[0], n[0]))
                    offsets.append(bytes.count)
                    bytes += m
                    bytes += n
                    let g = PickleGlobal(module: module, name: name)
                    globals.append(g)
                    known.append(PickleKnownGlobal(g))
                }
            }
            var slotSignatures = [UInt32](repeating: 0, count: Table.slotCount)
            var slotEntries = [Int32](repeating: 0, count: Table.slotCount)
            for (i, s) in signatures.enumerated() {
                var slot = Table.slot(s)
                while slotEntries[slot] != 0 { slot = (slot + 1) & (Table.slotCount - 1) }
                slotSignatures[slot] = s
                slotEntries[slot] = Int32(i + 1)
            }
            self.slotSignatures = slotSignatures
            self.slotEntries = slotEntries
            self.bytes = bytes
            self.offsets = offsets
            self.globals = globals
            self.known = known
        }

        @inline(__always)
        static func signature(_ moduleCount: Int, _ nameCount: Int, _ m0: UInt8, _ n0: UInt8) -> UInt32 {
            UInt32(truncatingIfNeeded: moduleCount) << 24 | UInt32(truncatingIfNeeded: nameCount) << 16
                | UInt32(m0) << 8 | UInt32(n0)
        }

        /// The first slot to probe for a signature (a multiplicative hash).
        @inline(__always)
        static func slot(_ signature: UInt32) -> Int {
            Int(truncatingIfNeeded: (signature &* 0x9E37_79B1) >> 25)
        }
    }

    private static let table = Table()

    /// Finds a common allowlisted name by its bytes, without building strings.
    ///
    /// - Parameters:
    ///   - module: the module name's bytes, as the pickle holds them (`moduleCount` of them).
    ///   - name: the class name's bytes (`nameCount` of them).
    /// - Returns: the name's index in the common table (see ``common(_:)``), or nil for any other
    ///   name (the caller then builds the strings and classifies them with ``init(_:)``).
    static func lookup(module: UnsafePointer<UInt8>, _ moduleCount: Int,
                       name: UnsafePointer<UInt8>, _ nameCount: Int) -> Int? {
        guard moduleCount > 0, nameCount > 0, moduleCount < 64, nameCount < 64 else { return nil }
        let t = table
        let wanted = Table.signature(moduleCount, nameCount, module[0], name[0])
        var slot = Table.slot(wanted)
        while true {
            let e = Int(t.slotEntries[slot])
            if e == 0 { return nil }
            if t.slotSignatures[slot] == wanted {
                let found = t.bytes.withUnsafeBufferPointer { b in
                    let at = b.baseAddress! + t.offsets[e - 1]
                    return memcmp(at, module, moduleCount) == 0 && memcmp(at + moduleCount, name, nameCount) == 0
                }
                if found { return e - 1 }
            }
            slot = (slot + 1) & (Table.slotCount - 1)
        }
    }

    /// Number of names in the common table.
    static var commonCount: Int { table.globals.count }

    /// The common name at `index` (from ``lookup(module:_:name:_:)``).
    static func common(_ index: Int) -> PickleGlobal { table.globals[index] }

    /// The classification of the common name at `index`.
    static func commonKnown(_ index: Int) -> PickleKnownGlobal { table.known[index] }
}
