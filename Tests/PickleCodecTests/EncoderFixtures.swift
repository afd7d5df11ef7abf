import Foundation
import PickleCodec

/// The CPython corpus in Fixtures/encoder/cases.json (see generate.py there) and the builder
/// that turns a case's JSON description into a ``PickleDocument``.
enum EncoderFixtures {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let value: JSONValue
        /// Protocol → expected bytes as hex, or (length, FNV-1a 64) for large pickles.
        let pickles: [Int: Expected]
        /// Python 2 cPickle protocol 0 bytes, hex.
        let p0: String?
        var description: String { name }
    }

    enum Expected: Sendable {
        case hex(String)
        case digest(length: Int, fnv1a64: String)
    }

    /// A JSON value kept Sendable (Foundation's `Any` is not).
    indirect enum JSONValue: Sendable {
        case number(Int64)
        case bool(Bool)
        case string(String)
        case null
        case array([JSONValue])
        case object([String: JSONValue])

        init(_ any: Any) {
            switch any {
            case let b as Bool where type(of: any) == type(of: NSNumber(value: true)) : self = .bool(b)
            case let n as NSNumber: self = .number(n.int64Value)
            case let s as String: self = .string(s)
            case let a as [Any]: self = .array(a.map(JSONValue.init))
            case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init))
            default: self = .null
            }
        }

        subscript(_ key: String) -> JSONValue? {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        var string: String? { if case .string(let s) = self { return s }; return nil }
        var int: Int { if case .number(let n) = self { return Int(n) }; return 0 }
        var array: [JSONValue] { if case .array(let a) = self { return a }; return [] }
    }

    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/encoder/cases.json")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixtureURL),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            return []
        }
        return list.map { raw in
            var pickles: [Int: Expected] = [:]
            for (k, v) in raw["pickles"] as? [String: Any] ?? [:] {
                if let hex = v as? String {
                    pickles[Int(k)!] = .hex(hex)
                } else if let d = v as? [String: Any] {
                    pickles[Int(k)!] = .digest(length: (d["len"] as! NSNumber).intValue, fnv1a64: d["fnv1a64"] as! String)
                }
            }
            return Case(name: raw["name"] as! String, value: JSONValue(raw["value"]!), pickles: pickles, p0: raw["p0"] as? String)
        }
    }()

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex: String) -> [UInt8] {
        let u = Array(hex.utf8)
        func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        return stride(from: 0, to: u.count, by: 2).map { v(u[$0]) << 4 | v(u[$0 + 1]) }
    }

    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Builds the document a case describes; shared ids become shared references.
    struct Builder {
        var doc = PickleDocument()
        var ids: [Int: PickleRef] = [:]

        static func document(_ value: JSONValue) -> PickleDocument {
            var b = Builder()
            let root = b.build(value)
            b.doc.root = root
            return b.doc
        }

        mutating func build(_ v: JSONValue) -> PickleRef {
            if case .number(let n) = v { return doc.append(.int(n)) }
            let t = v["t"]?.string ?? ""
            if t == "ref" { return ids[v["id"]!.int]! }
            // Reserve the node first so cycles can point at it.
            let ref = doc.append(.none)
            if let id = v["id"] { ids[id.int] = ref }
            doc[ref] = node(t, v)
            return ref
        }

        mutating func node(_ t: String, _ v: JSONValue) -> PickleNode {
            switch t {
            case "none": return .none
            case "bool": if case .bool(let b) = v["v"]! { return .bool(b) }; return .bool(false)
            case "int":
                let s = v["v"]!.string!
                if let i = Int64(s) { return .int(i) }
                return .bigInt(PickleBigInt(decimal: s)!)
            case "float": return .float(Double(bitPattern: UInt64(v["bits"]!.string!, radix: 16)!))
            case "str":
                let s = v["v"]!.string!
                if let r = v["repeat"] { return .string(String(repeating: s, count: r.int)) }
                return .string(s)
            case "py2str": return .py2String(PickleBytes(EncoderFixtures.bytes(hex: v["hex"]!.string!)))
            case "bytes":
                let b = EncoderFixtures.bytes(hex: v["hex"]!.string!)
                if let r = v["repeat"] { return .bytes(Array(repeatElement(b[0], count: r.int))) }
                return .bytes(b)
            case "bytearray": return .bytearray(EncoderFixtures.bytes(hex: v["hex"]!.string!))
            case "list": return .list(v["items"]!.array.map { build($0) })
            case "tuple": return .tuple(v["items"]!.array.map { build($0) })
            case "set": return .set(v["items"]!.array.map { build($0) })
            case "frozenset": return .frozenset(v["items"]!.array.map { build($0) })
            case "dict":
                var d = PickleDict()
                for pair in v["items"]!.array {
                    d.keys.append(build(pair.array[0]))
                    d.values.append(build(pair.array[1]))
                }
                if let sub = v["subclass"]?.string, let dot = sub.lastIndex(of: ".") {
                    d.subclass = PickleGlobal(module: String(sub[..<dot]), name: String(sub[sub.index(after: dot)...]))
                }
                return .dict(d)
            case "datetime":
                let date = PickleDate(year: v["y"]!.int, month: v["mo"]!.int, day: v["d"]!.int)
                return .datetime(PickleDateTime(date: date, time: time(v)))
            case "date": return .date(PickleDate(year: v["y"]!.int, month: v["mo"]!.int, day: v["d"]!.int))
            case "time": return .time(time(v))
            case "timedelta": return .timedelta(delta(v))
            case "timezone": return .timezone(PickleTimezone(offset: delta(v["offset"]!), name: v["name"]?.string))
            case "decimal": return .decimal(PickleDecimal(v["v"]!.string!))
            case "uuid": return .uuid(PickleUUID(bytes: EncoderFixtures.bytes(hex: v["hex"]!.string!)))
            default: fatalError("unknown fixture type \(t)")
            }
        }

        mutating func time(_ v: JSONValue) -> PickleTime {
            var tz: PickleRef?
            if let t = v["tz"], case .object = t { tz = build(t) }
            return PickleTime(hour: v["h"]!.int, minute: v["mi"]!.int, second: v["s"]!.int,
                              microsecond: v["us"]!.int, fold: v["fold"]!.int, tzinfo: tz)
        }

        func delta(_ v: JSONValue) -> PickleTimedelta {
            PickleTimedelta(days: v["days"]!.int, seconds: v["seconds"]!.int, microseconds: v["us"]!.int)
        }
    }
}
