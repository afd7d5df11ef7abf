extension PickleUUID {
    /// `UUID(int=N)`: nil unless 0 ≤ N < 2¹²⁸.
    init?(integer: PickleBigInt) {
        guard !integer.isNegative else { return nil }
        var b = integer.twosComplement
        if b.count == 17 && b[16] == 0 { b.removeLast() }
        guard b.count <= 16 else { return nil }
        while b.count < 16 { b.append(0) }
        self.init(bytes: b.reversed())
    }

    /// `str(uuid)`: 8-4-4-4-12 lowercase hex.
    public var hyphenated: String {
        let hex: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { s.append("-") }
            s.append(hex[Int(byte >> 4)])
            s.append(hex[Int(byte & 0x0F)])
        }
        return s
    }
}
