/// Equality class of a simple dict key, as Python's `==`/`hash` see it.
///
/// `True == 1 == 1.0`, and a Python 2 ASCII `str` equals the same `unicode`.
/// Other keys (tuples, objects, ...) get no identity: they are never merged.
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
            if b.bytes.allSatisfy({ $0 < 0x80 }) { self = .text(b.text) } else { self = .py2Bytes(b.bytes) }
        case .bytes(let b): self = .bytes(b)
        default: return nil
        }
    }
}
