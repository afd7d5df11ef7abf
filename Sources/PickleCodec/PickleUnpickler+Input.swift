#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PickleUnpickler {
    /// Reads `n` bytes and returns their offset, honouring the current FRAME; checks before anything is allocated.
    @inline(__always)
    mutating func take(_ n: Int) throws(PickleError) -> Int {
        if n >= 0 && n <= limit &- pos {
            let s = pos
            pos &+= n
            return s
        }
        return try takeSlow(n)
    }

    /// ``take(_:)`` at a frame's end or past the input: closes a finished frame, or names the error.
    mutating func takeSlow(_ n: Int) throws(PickleError) -> Int {
        guard n >= 0 else { throw fail(.badValue, "negative length") }
        if let end = frameEnd {
            if pos < end {
                throw fail(.badFrame, "opcode crosses the end of its frame")
            }
            frameEnd = nil
            limit = input.count
        }
        guard n <= input.count - pos else { throw fail(.truncated, "input ended inside an opcode") }
        let s = pos
        pos += n
        return s
    }

    /// Reads `n` bytes as a range (see ``take(_:)``).
    mutating func read(_ n: Int) throws(PickleError) -> Range<Int> {
        let s = try take(n)
        return s ..< s + n
    }

    @inline(__always)
    mutating func readByte() throws(PickleError) -> UInt8 {
        if pos < limit {
            let b = base[pos]
            pos &+= 1
            return b
        }
        return base[try takeSlow(1)]
    }

    /// Checks a payload of `n` bytes against the input, charges it to the decoded-bytes budget, and reads it.
    @inline(__always)
    mutating func takeCharged(_ n: Int) throws(PickleError) -> Int {
        guard n >= 0 else { throw fail(.badValue, "negative length") }
        guard n <= input.count - pos else { throw fail(.truncated, "length beyond the end of the input") }
        try charge(n)
        return try take(n)
    }

    /// 4-byte little-endian signed length (BINSTRING, LONG4): negative is an error, as in CPython.
    mutating func readLength4Signed() throws(PickleError) -> Int {
        let s = try take(4)
        let u = UInt32(base[s]) | UInt32(base[s + 1]) << 8 | UInt32(base[s + 2]) << 16 | UInt32(base[s + 3]) << 24
        let v = Int32(bitPattern: u)
        guard v >= 0 else { throw fail(.badValue, "negative byte count") }
        return Int(v)
    }

    /// 4-byte little-endian unsigned length or memo index.
    @inline(__always)
    mutating func readLength4Unsigned() throws(PickleError) -> Int {
        let s = try take(4)
        return Int(UInt32(base[s]) | UInt32(base[s + 1]) << 8 | UInt32(base[s + 2]) << 16 | UInt32(base[s + 3]) << 24)
    }

    /// 8-byte little-endian unsigned length; above Int.max is an error, as in CPython.
    mutating func readLength8() throws(PickleError) -> Int {
        let s = try take(8)
        var u: UInt64 = 0
        for i in (s ..< s + 8).reversed() { u = u << 8 | UInt64(base[i]) }
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
        limit = pos + n
    }

    /// The bytes up to the next newline (exclusive); the newline is consumed.
    mutating func readLine() throws(PickleError) -> Range<Int> {
        try readLine(scanningFrom: pos)
    }

    /// ``readLine()`` for a caller that already scanned the line up to `from` (`pos <= from < limit`)
    /// and found no newline there.
    mutating func readLine(scanningFrom from: Int) throws(PickleError) -> Range<Int> {
        if let end = frameEnd, pos >= end {
            frameEnd = nil
            limit = input.count
        }
        let lineLimit = limit
        // Eight bytes at a time: a zero byte of `w ^ "\n\n..."` marks the newline (the lowest flag
        // is exact; only flags above it can be spurious).
        var i = from
        while lineLimit - i >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) ^ 0x0A0A_0A0A_0A0A_0A0A
            let zero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if zero != 0 {
                i += zero.trailingZeroBitCount >> 3
                break
            }
            i += 8
        }
        if lineLimit - i < 8 { while i < lineLimit && base[i] != 0x0A { i += 1 } }
        guard i < lineLimit else {
            if lineLimit < input.count { throw fail(.badFrame, "text argument crosses the end of its frame") }
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
        return try text(ofLine: r)
    }

    /// A line's bytes as a module or class name (already charged).
    /// - Throws: `.invalidText` when they are not UTF-8.
    func text(ofLine r: Range<Int>) throws(PickleError) -> String {
        let bytes = UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)
        if PickleUTF8.isASCII(base + r.lowerBound, r.count) { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw fail(.invalidText, "module or class name is not UTF-8")
        }
        return s
    }

    /// A PUT/GET text index: decimal digits, non-negative.
    ///
    /// Inlined into the opcode handlers: digits then a newline, inside the frame or input, are read
    /// in one pass; anything else goes to ``parseIndexLineSlow()``, which names the error.
    @inline(__always)
    mutating func parseIndexLine() throws(PickleError) -> Int {
        var i = pos, v = 0
        let end = min(limit, pos &+ 18)
        while i < end {
            let d = base[i] &- 0x30
            if d > 9 { break }
            v = v &* 10 &+ Int(d)
            i &+= 1
        }
        if i > pos, i < limit, base[i] == 0x0A {
            pos = i &+ 1
            return v
        }
        return try parseIndexLineSlow()
    }

    /// Runs a PUT that follows the opcode just executed, as Python writes one after nearly every
    /// str, tuple and container at protocol 0 (see ``memoizeIfNext()``: same counting, same errors).
    @inline(__always)
    mutating func putIfNext() throws(PickleError) {
        guard pos < limit, base[pos] == PickleOpcode.put, opcodesLeft > 0 else { return }
        opcodeStart = pos
        opcode = PickleOpcode.put
        pos &+= 1
        opcodesLeft &-= 1
        try memoPutFast(try parseIndexLine())
    }

    /// ``parseIndexLine()`` for a line the fast pass did not take (long, malformed, crossing a frame's end).
    @inline(never)
    mutating func parseIndexLineSlow() throws(PickleError) -> Int {
        let r = try readLine()
        guard !r.isEmpty, r.count <= 18 else { throw fail(.invalidText, "memo index is not a small decimal") }
        var v = 0
        for i in r {
            let c = base[i]
            guard c >= 0x30 && c <= 0x39 else { throw fail(.invalidText, "memo index is not a small decimal") }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Charges `n` bytes to the decoded-bytes budget.
    @inline(__always)
    mutating func charge(_ n: Int) throws(PickleError) {
        let (sum, overflow) = decodedBytes.addingReportingOverflow(n)
        guard !overflow, sum <= limits.maxDecodedBytes else {
            throw fail(.limitExceeded, "decoded data larger than maxDecodedBytes")
        }
        decodedBytes = sum
    }

    /// Charges `count` container slots (8 bytes each).
    @inline(__always)
    mutating func chargeSlots(_ count: Int) throws(PickleError) {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 8)
        guard !overflow else { throw fail(.limitExceeded, "decoded data larger than maxDecodedBytes") }
        try charge(bytes)
    }
}
