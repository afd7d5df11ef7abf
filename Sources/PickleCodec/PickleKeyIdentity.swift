/// Equality class of a simple dict key, as Python's `==`/`hash` see it.
///
/// `True == 1 == 1.0`, and a Python 2 ASCII `str` equals the same `unicode`.
/// Other keys (tuples, objects, ...) get no identity: they are never merged.
/// Text compares by code points (its UTF-8 bytes), as Python does, not by
/// Swift's canonical equivalence: `"é"` and `"e\u{301}"` are two keys.
enum PickleKeyIdentity: Hashable {
    case none
    case int(Int64)
    case bigInt([UInt8])
    case float(UInt64)
    case text(String)
    case py2Bytes([UInt8])
    case bytes([UInt8])

    init?(_ node: PickleNode) {
        switch node {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let v): self = .int(v)
        case .bigInt(let b): self = .bigInt(b.twosComplement)
        case .float(let d):
            if d.isNaN { return nil }
            if d == d.rounded(.towardZero), d >= -9.2e18, d <= 9.2e18 {
                self = .int(Int64(d))
            } else {
                self = .float(d.bitPattern)
            }
        case .string(let s): self = .text(s)
        case .py2String(let b):
            if Self.isASCII(b.bytes) { self = .text(b.text) } else { self = .py2Bytes(b.bytes) }
        case .bytes(let b): self = .bytes(b)
        default: return nil
        }
    }

    /// True when `node`'s identity is this one; text without building an identity for `node`.
    func matches(_ node: PickleNode) -> Bool {
        switch node {
        case .string(let t):
            guard case .text(let s) = self else { return false }
            return Self.sameText(s, t)
        case .py2String(let b):
            switch self {
            case .text(let s): return Self.isASCII(b.bytes) && s.utf8.elementsEqual(b.bytes)
            case .py2Bytes(let x): return x == b.bytes
            default: return false
            }
        default:
            return PickleKeyIdentity(node) == self
        }
    }

    static func == (lhs: PickleKeyIdentity, rhs: PickleKeyIdentity) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case let (.int(a), .int(b)): return a == b
        case let (.bigInt(a), .bigInt(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.text(a), .text(b)): return sameText(a, b)
        case let (.py2Bytes(a), .py2Bytes(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .none: hasher.combine(0 as UInt8)
        case .int(let v): hasher.combine(1 as UInt8); hasher.combine(v)
        case .bigInt(let b): hasher.combine(2 as UInt8); hasher.combine(b)
        case .float(let v): hasher.combine(3 as UInt8); hasher.combine(v)
        case .text(var s):
            hasher.combine(4 as UInt8)
            s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(s.utf8.count)
        case .py2Bytes(let b): hasher.combine(5 as UInt8); hasher.combine(b)
        case .bytes(let b): hasher.combine(6 as UInt8); hasher.combine(b)
        }
    }

    /// Code-point equality (Swift's `==` on `String` is canonical equivalence).
    static func sameText(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && x.elementsEqual(y) } }
    }

    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            var any: UInt8 = 0
            for c in p { any |= c }
            return any < 0x80
        }
    }
}
