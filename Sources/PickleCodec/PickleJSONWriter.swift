/// Byte output for canonical JSON, held to a budget so shared references cannot expand without bound.
struct PickleJSONWriter {
    var bytes: [UInt8] = []
    let budget: Int
    /// Which bound `budget` is, for the error (see ``PickleJSONBudget``).
    let overBudget: PickleError

    init(budget: PickleJSONBudget) {
        self.budget = budget.bytes
        self.overBudget = budget.error
    }

    mutating func check() throws(PickleError) {
        guard bytes.count <= budget else { throw overBudget }
    }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    /// Decimal digits of `v` (faster than `String(v)`, which matters for expansion-heavy output).
    mutating func integer(_ v: Int64) {
        if v >= 0 && v < 10 {
            bytes.append(0x30 + UInt8(v))
            return
        }
        if v < 0 { bytes.append(0x2D) }
        var m = v.magnitude
        let start = bytes.count
        while m > 0 {
            bytes.append(0x30 + UInt8(m % 10))
            m /= 10
        }
        bytes[start...].reverse()
    }

    /// A JSON string: `\" \\ \n \r \t \b \f` escaped, other controls as `\u00xx`, everything else raw UTF-8.
    mutating func string(_ s: String) throws(PickleError) {
        guard s.utf8.count <= budget - bytes.count else { throw overBudget }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x08: bytes.append(0x5C); bytes.append(0x62)
            case 0x0C: bytes.append(0x5C); bytes.append(0x66)
            case 0x00 ..< 0x20:
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0x0F)]])
            default: bytes.append(c)
            }
        }
        bytes.append(0x22)
        try check()
    }

    /// `{"$bytes":"<base64>"}`.
    mutating func base64(_ data: [UInt8]) throws(PickleError) {
        guard data.count / 3 * 4 + 16 <= budget - bytes.count else { throw overBudget }
        raw("{\"$bytes\":\"")
        PickleBase64.encode(data, into: &bytes)
        raw("\"}")
    }
}
