import PickleCodec

/// Helpers shared by the conversions: type names, excerpts and wrong-type problems.
extension ColumnConverter {
    static func string(_ node: PickleNode) -> String? {
        switch node {
        case .string(let s): return s
        case .py2String(let b): return b.text
        default: return nil
        }
    }

    /// An optional sign and ASCII digits only (what `int(s)` round-trips).
    static func isIntegerLiteral(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
        return !u.isEmpty && u.count <= 40 && u.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    func wrongType(_ node: PickleNode, expected: ColumnType) -> Outcome {
        .problem(reason: "wrong type: expected \(expected.rawValue), got \(Self.pythonTypeName(node))", excerpt: Self.excerpt(node))
    }

    /// The Python type name, for messages (never the value).
    static func pythonTypeName(_ node: PickleNode) -> String {
        switch node {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .py2String: return "str (Python 2)"
        case .bytes: return "bytes"
        case .bytearray: return "bytearray"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict(let d): return d.subclass.map { $0.description } ?? "dict"
        case .set: return "set"
        case .frozenset: return "frozenset"
        case .datetime: return "datetime.datetime"
        case .date: return "datetime.date"
        case .time: return "datetime.time"
        case .timedelta: return "datetime.timedelta"
        case .timezone: return "datetime.timezone"
        case .decimal: return "decimal.Decimal"
        case .uuid: return "uuid.UUID"
        case .global(let g): return "global \(g)"
        case .object(let o): return o.type.description
        }
    }

    /// A short text of a scalar value for the errors table; containers give their type only.
    static func excerpt(_ node: PickleNode) -> String? {
        switch node {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let b): return ColumnProblem.abbreviate(b.decimalString)
        case .float(let d): return PickleFloatFormat.repr(d)
        case .string, .py2String: return ColumnProblem.abbreviate(string(node) ?? "")
        case .decimal(let d): return ColumnProblem.abbreviate(d.string)
        case .uuid(let u): return u.hyphenated
        case .date(let d): return d.isoformat
        default: return nil
        }
    }
}
