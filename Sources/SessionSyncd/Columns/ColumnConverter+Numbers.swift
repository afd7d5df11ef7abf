import PickleCodec

/// Conversions of integer, boolean, numeric and double precision columns.
extension ColumnConverter {
    func integer(_ node: PickleNode, min: Int64, max: Int64, type: ColumnType) -> Outcome {
        let value: Int64
        switch node {
        case .int(let v): value = v
        case .bigInt(let b): return .problem(reason: "out of range for \(type.rawValue)", excerpt: ColumnProblem.abbreviate(b.decimalString))
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard Self.isIntegerLiteral(s) else { return wrongType(node, expected: type) }
            guard let v = Int64(s) else { return .problem(reason: "out of range for \(type.rawValue)", excerpt: ColumnProblem.abbreviate(s)) }
            value = v
        default: return wrongType(node, expected: type)
        }
        guard value >= min, value <= max else {
            return .problem(reason: "out of range for \(type.rawValue)", excerpt: String(value))
        }
        return .value(String(value))
    }

    func boolean(_ node: PickleNode) -> Outcome {
        switch node {
        case .bool(let b): return .value(b ? "true" : "false")
        case .int(0): return .value("false")
        case .int(1): return .value("true")
        default: return wrongType(node, expected: .boolean)
        }
    }

    func numeric(_ node: PickleNode) -> Outcome {
        switch node {
        case .int(let v): return .value(String(v))
        case .bigInt(let b): return .value(b.decimalString)
        case .float(let d):
            if d.isNaN { return .value("NaN") }
            if d.isInfinite { return .value(d < 0 ? "-Infinity" : "Infinity") }
            return .value(PickleFloatFormat.repr(d))
        case .decimal(let dec): return numericText(dec.string, node: node)
        case .string, .py2String: return numericText(Self.string(node) ?? "", node: node)
        default: return wrongType(node, expected: .numeric)
        }
    }

    func numericText(_ s: String, node: PickleNode) -> Outcome {
        switch s {
        case "NaN", "-NaN", "nan": return .value("NaN")
        case "Infinity", "inf", "+Infinity": return .value("Infinity")
        case "-Infinity", "-inf": return .value("-Infinity")
        case "sNaN", "-sNaN": return .problem(reason: "signaling NaN is not a number", excerpt: s)
        default: break
        }
        guard let parsed = NumberLiteral(s) else {
            if case .decimal = node { return .problem(reason: "not a number", excerpt: ColumnProblem.abbreviate(s)) }
            return wrongType(node, expected: .numeric)
        }
        // PostgreSQL: up to 131072 digits before the point, 16383 after.
        if parsed.integerDigits > 131_072 || parsed.fractionDigits > 16_383 {
            return .problem(reason: "out of range for numeric", excerpt: ColumnProblem.abbreviate(s))
        }
        return .value(s)
    }

    func double(_ node: PickleNode) -> Outcome {
        switch node {
        case .int(let v): return .value(String(v))
        case .float(let d):
            if d.isNaN { return .value("NaN") }
            if d.isInfinite { return .value(d < 0 ? "-Infinity" : "Infinity") }
            return .value(PickleFloatFormat.repr(d))
        case .bigInt(let b): return doubleText(b.decimalString, node: node)
        case .decimal(let dec): return doubleText(dec.string, node: node)
        case .string, .py2String: return doubleText(Self.string(node) ?? "", node: node)
        default: return wrongType(node, expected: .doublePrecision)
        }
    }

    func doubleText(_ s: String, node: PickleNode) -> Outcome {
        switch s {
        case "NaN", "-NaN", "nan": return .value("NaN")
        case "Infinity", "inf", "+Infinity": return .value("Infinity")
        case "-Infinity", "-inf": return .value("-Infinity")
        default: break
        }
        guard let parsed = NumberLiteral(s), let d = Double(s) else {
            if case .string = node { return wrongType(node, expected: .doublePrecision) }
            if case .py2String = node { return wrongType(node, expected: .doublePrecision) }
            return .problem(reason: "not a number", excerpt: ColumnProblem.abbreviate(s))
        }
        // PostgreSQL rejects overflow and underflow to zero alike.
        if d.isInfinite || (d == 0 && parsed.hasNonZeroDigit) {
            return .problem(reason: "out of range for double precision", excerpt: ColumnProblem.abbreviate(s))
        }
        return .value(PickleFloatFormat.repr(d))
    }
}
