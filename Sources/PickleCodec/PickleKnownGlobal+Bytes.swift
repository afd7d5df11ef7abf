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
        /// Per entry: module length, name length and both first bytes, to skip most entries with one compare.
        let signatures: [UInt32]
        /// Per entry: offset of `module` then `name` in ``bytes``.
        let offsets: [Int]
        let bytes: [UInt8]
        let globals: [PickleGlobal]
        /// Classified by ``PickleKnownGlobal/init(_:)`` itself, so both paths agree.
        let known: [PickleKnownGlobal]

        init() {
            var signatures: [UInt32] = [], offsets: [Int] = [], bytes: [UInt8] = []
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
            self.signatures = signatures
            self.offsets = offsets
            self.bytes = bytes
            self.globals = globals
            self.known = known
        }

        static func signature(_ moduleCount: Int, _ nameCount: Int, _ m0: UInt8, _ n0: UInt8) -> UInt32 {
            UInt32(truncatingIfNeeded: moduleCount) << 24 | UInt32(truncatingIfNeeded: nameCount) << 16
                | UInt32(m0) << 8 | UInt32(n0)
        }
    }

    private static let table = Table()

    /// Finds a common allowlisted name by its bytes, without building strings.
    ///
    /// - Parameters:
    ///   - module: the module name's bytes, as the pickle holds them.
    ///   - name: the class name's bytes.
    /// - Returns: the global and its classification, or nil for any other name (the caller then
    ///   builds the strings and classifies them with ``init(_:)``).
    static func lookup(module: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>) -> (PickleGlobal, PickleKnownGlobal)? {
        guard let m = module.baseAddress, let n = name.baseAddress, module.count < 64, name.count < 64 else { return nil }
        let t = table
        let wanted = Table.signature(module.count, name.count, m[0], n[0])
        let found: Int? = t.signatures.withUnsafeBufferPointer { signatures in
            t.bytes.withUnsafeBufferPointer { bytes in
                for i in signatures.indices where signatures[i] == wanted {
                    let at = bytes.baseAddress! + t.offsets[i]
                    if memcmp(at, m, module.count) == 0 && memcmp(at + module.count, n, name.count) == 0 { return i }
                }
                return nil
            }
        }
        guard let i = found else { return nil }
        return (t.globals[i], t.known[i])
    }
}
