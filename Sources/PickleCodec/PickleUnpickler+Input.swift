extension PickleUnpickler {
    /// Reads `n` bytes, honouring the current FRAME; checks before anything is allocated.
    mutating func read(_ n: Int) throws(PickleError) -> Range<Int> {
        guard n >= 0 else { throw fail(.badValue, "negative length") }
        if let end = frameEnd {
            if pos < end {
                guard n <= end - pos else { throw fail(.badFrame, "opcode crosses the end of its frame") }
            } else {
                frameEnd = nil
            }
        }
        guard n <= input.count - pos else { throw fail(.truncated, "input ended inside an opcode") }
        let r = pos ..< pos + n
        pos += n
        return r
    }

    @inline(__always)
    mutating func readByte() throws(PickleError) -> UInt8 {
        // Fast path, the same checks as read(1): inside the input, and inside the frame if one is open.
        if pos < input.count, frameEnd.map({ pos < $0 }) ?? true {
            let b = input[pos]
            pos += 1
            return b
        }
        let r = try read(1)
        return input[r.lowerBound]
    }

    /// Reads a payload of `n` bytes after charging it to the decoded-bytes budget.
    mutating func readPayload(_ n: Int) throws(PickleError) -> [UInt8] {
        let r = try readRangeCharged(n)
        return Array(input[r])
    }

    /// Like ``read(_:)`` but charges the bytes to the decoded-bytes budget first.
    mutating func readRangeCharged(_ n: Int) throws(PickleError) -> Range<Int> {
        guard n >= 0 else { throw fail(.badValue, "negative length") }
        guard n <= input.count - pos else { throw fail(.truncated, "length beyond the end of the input") }
        try charge(n)
        return try read(n)
    }

    /// 4-byte little-endian signed length (BINSTRING, LONG4): negative is an error, as in CPython.
    mutating func readLength4Signed() throws(PickleError) -> Int {
        let r = try read(4)
        let u = UInt32(input[r.lowerBound]) | UInt32(input[r.lowerBound + 1]) << 8
            | UInt32(input[r.lowerBound + 2]) << 16 | UInt32(input[r.lowerBound + 3]) << 24
        let v = Int32(bitPattern: u)
        guard v >= 0 else { throw fail(.badValue, "negative byte count") }
        return Int(v)
    }

    /// 4-byte little-endian unsigned length or memo index.
    mutating func readLength4Unsigned() throws(PickleError) -> Int {
        let r = try read(4)
        let u = UInt32(input[r.lowerBound]) | UInt32(input[r.lowerBound + 1]) << 8
            | UInt32(input[r.lowerBound + 2]) << 16 | UInt32(input[r.lowerBound + 3]) << 24
        return Int(u)
    }

    /// 8-byte little-endian unsigned length; above Int.max is an error, as in CPython.
    mutating func readLength8() throws(PickleError) -> Int {
        let r = try read(8)
        var u: UInt64 = 0
        for i in r.reversed() { u = u << 8 | UInt64(input[i]) }
        guard u <= UInt64(Int.max) else { throw fail(.badValue, "length above the maximum size") }
        return Int(u)
    }

    /// FRAME: the next `n` bytes are one frame, which must lie inside the input.
    mutating func beginFrame() throws(PickleError) {
        let n = try readLength8()
        if let end = frameEnd, pos < end {
            throw fail(.badFrame, "new frame before the end of the current frame")
        }
        guard n <= input.count - pos else { throw fail(.badFrame, "frame length beyond the end of the input") }
        frameEnd = pos + n
    }

    /// The bytes up to the next newline (exclusive); the newline is consumed.
    mutating func readLine() throws(PickleError) -> Range<Int> {
        var limit = input.count
        if let end = frameEnd {
            if pos < end { limit = end } else { frameEnd = nil }
        }
        var i = pos
        while i < limit && input[i] != 0x0A { i += 1 }
        guard i < limit else {
            if limit < input.count { throw fail(.badFrame, "text argument crosses the end of its frame") }
            throw fail(.truncated, "input ended inside a text argument")
        }
        let r = pos ..< i
        pos = i + 1
        return r
    }

    /// A GLOBAL/INST name line, which Python 3 decodes as UTF-8.
    mutating func readTextLine() throws(PickleError) -> String {
        let r = try readLine()
        try charge(r.count)
        guard let s = input.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[r]), as: UTF8.self) }) else {
            throw fail(.invalidText, "module or class name is not UTF-8")
        }
        return s
    }

    /// A PUT/GET text index: decimal digits, non-negative.
    mutating func parseIndexLine() throws(PickleError) -> Int {
        let r = try readLine()
        guard !r.isEmpty, r.count <= 18 else { throw fail(.invalidText, "memo index is not a small decimal") }
        var v = 0
        for i in r {
            let c = input[i]
            guard c >= 0x30 && c <= 0x39 else { throw fail(.invalidText, "memo index is not a small decimal") }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Charges `n` bytes to the decoded-bytes budget.
    mutating func charge(_ n: Int) throws(PickleError) {
        let (sum, overflow) = decodedBytes.addingReportingOverflow(n)
        guard !overflow, sum <= limits.maxDecodedBytes else {
            throw fail(.limitExceeded, "decoded data larger than maxDecodedBytes")
        }
        decodedBytes = sum
    }

    /// Charges `count` container slots (8 bytes each).
    mutating func chargeSlots(_ count: Int) throws(PickleError) {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 8)
        guard !overflow else { throw fail(.limitExceeded, "decoded data larger than maxDecodedBytes") }
        try charge(bytes)
    }
}
