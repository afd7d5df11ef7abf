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

    /// A writer without a budget (``PickleJSONText``).
    init(unbounded: ()) {
        budget = .max
        overBudget = PickleJSONOverflow.decoded
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

    /// `v` (≥ 0) in decimal, zero-padded to `width` digits (``PickleDate``'s `pad`).
    mutating func padded(_ v: Int, _ width: Int) {
        var digits = 1, m = v
        while m >= 10 { m /= 10; digits += 1 }
        for _ in digits ..< max(width, digits) { bytes.append(0x30) }
        integer(Int64(v))
    }

    private mutating func isoDateDigits(year: Int, month: Int, day: Int) {
        padded(year, 4); bytes.append(0x2D); padded(month, 2); bytes.append(0x2D); padded(day, 2)
    }

    /// A `.date` record's payload as `"YYYY-MM-DD"` (quoted), as `PickleDate.isoformat` writes it.
    mutating func isoDate(_ p: UInt64) {
        bytes.append(0x22)
        isoDateDigits(year: Int(p >> 16 & 0xFFFF), month: Int(p >> 8 & 0xFF), day: Int(p & 0xFF))
        bytes.append(0x22)
    }

    /// A `.datetime` record as `"<isoformat>"` (quoted), as `PickleDateTime.isoformat(utcOffset:)` writes it.
    mutating func isoDateTime(_ r: PickleRawNode, utcOffset: PickleTimedelta?) {
        let p = r.payload
        bytes.append(0x22)
        isoDateDigits(year: Int(p >> 40 & 0xFFFF), month: Int(p >> 32 & 0xFF), day: Int(p >> 24 & 0xFF))
        bytes.append(0x54)
        padded(Int(p >> 16 & 0xFF), 2); bytes.append(0x3A)
        padded(Int(p >> 8 & 0xFF), 2); bytes.append(0x3A)
        padded(Int(p & 0xFF), 2)
        let us = Int(r.count & 0x7FFF_FFFF)
        if us != 0 { bytes.append(0x2E); padded(us, 6) }
        if let utcOffset { raw(utcOffset.offsetText) }
        bytes.append(0x22)
    }

    /// A JSON string: `\" \\ \n \r \t \b \f` escaped, other controls as `\u00xx`, everything else raw UTF-8.
    mutating func string(_ s: String) throws(PickleError) {
        guard s.utf8.count <= budget - bytes.count else { throw overBudget }
        var s = s
        s.withUTF8 { appendQuoted($0) }
        try check()
    }

    /// ``string(_:)`` from UTF-8 bytes already validated (a str node's storage), without building a `String`.
    mutating func string(utf8 s: UnsafeBufferPointer<UInt8>) throws(PickleError) {
        guard s.count <= budget - bytes.count else { throw overBudget }
        appendQuoted(s)
        try check()
    }

    /// ``string(utf8:)`` without the checks: false (nothing written) when `s` alone is over the budget;
    /// the caller then throws ``overBudget``, and calls ``check()`` after it.
    mutating func quoted(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.count <= budget - bytes.count else { return false }
        appendQuoted(s)
        return true
    }

    private mutating func appendQuoted(_ s: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        // Runs of plain bytes are copied whole: the byte-wise append (uniqueness + capacity check per byte)
        // was 15% of `decode --lines` (perf, protocol-4 corpus).
        var run = 0, i = 0
        let raw = UnsafeRawPointer(s.baseAddress)
        while i < s.count {
            // Eight plain bytes per step (no control, quote or backslash among them): the byte-wise scan was
            // most of this function's 4.3% of `decode --lines` (perf, protocol-4 corpus).
            if let raw, i + 8 <= s.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
                let quote = w ^ (0x22 &* ones), slash = w ^ (0x5C &* ones)
                let hit = ((w &- 0x20 &* ones) & ~w | (quote &- ones) & ~quote | (slash &- ones) & ~slash) & high
                if hit == 0 { i += 8; continue }
            }
            let c = s[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C { i += 1; continue }
            if run < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[run ..< i])) }
            escape(c)
            i += 1
            run = i
        }
        if run < s.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[run...])) }
        bytes.append(0x22)
    }

    private mutating func escape(_ c: UInt8) {
        switch c {
        case 0x22: bytes.append(0x5C); bytes.append(0x22)
        case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
        case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
        case 0x0D: bytes.append(0x5C); bytes.append(0x72)
        case 0x09: bytes.append(0x5C); bytes.append(0x74)
        case 0x08: bytes.append(0x5C); bytes.append(0x62)
        case 0x0C: bytes.append(0x5C); bytes.append(0x66)
        default:
            let hex: StaticString = "0123456789abcdef"
            let h = hex.utf8Start
            bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, h[Int(c >> 4)], h[Int(c & 0x0F)]])
        }
    }

    /// `{"$bytes":"<base64>"}`.
    mutating func base64(_ data: [UInt8]) throws(PickleError) {
        guard data.count / 3 * 4 + 16 <= budget - bytes.count else { throw overBudget }
        raw("{\"$bytes\":\"")
        PickleBase64.encode(data, into: &bytes)
        raw("\"}")
    }
}
