import Testing
import PickleCodec

/// One SETITEMS batch into a fresh dict: str keys take a shortcut to their fingerprint (no view built),
/// and only a batch that could pass maxContainerElements checks the limit at each new key. Both must
/// merge as Python does and throw exactly where they threw before.
@Suite struct DecoderKeyBatchTests {
    static func str(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }

    /// `{` MARK pairs SETITEMS `.` at protocol 4, values 0, 1, 2, ... (BININT1).
    static func batch(_ keys: [[UInt8]]) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x04, 0x7D, 0x28]
        for (i, k) in keys.enumerated() { p += k + [0x4B, UInt8(i)] }
        return p + [0x75, 0x2E]
    }

    static func desc(_ pickle: [UInt8], limits: PickleLimits = .default) throws -> String {
        let doc = try PickleDecoder(limits: limits).decode(pickle: pickle)
        return DecoderKeyMergeTests.desc(doc, doc.root)
    }

    static func error(_ pickle: [UInt8], limits: PickleLimits = .default) -> PickleError? {
        do { _ = try PickleDecoder(limits: limits).decode(pickle: pickle); return nil } catch { return error }
    }

    /// A str key equals the same ASCII Python 2 str, not the same bytes, not a str that only shares
    /// its length and first, middle and last bytes; the first key's position and the last value are kept.
    @Test func strKeysMergeOnlyWithEqualText() throws {
        let keys: [[UInt8]] = [
            Self.str("axbya"), [0x43, 1, 0x61], Self.str("a"), Self.str("azbwa"), [0x55, 1, 0x61],
            Self.str("axbya"), Self.str(""), [0x55, 0], [0x43, 0], [0x4B, 1], Self.str("\u{E9}"), [0x55, 1, 0xE9],
        ]
        #expect(try Self.desc(Self.batch(keys)) ==
            "{str:6178627961: int:5, bytes:61: int:1, str:61: int:4, str:617a627761: int:3, str:: int:7, bytes:: int:8, "
            + "int:1: int:9, str:c3a9: int:10, py2:e9: int:11}")
    }

    /// Keys whose text was unescaped into the document's heap (protocol 0 `V` lines) merge with each other.
    @Test func heapTextKeysMerge() throws {
        let p = Array("(dp0\n(Vk\\u00e9\nI1\nVz\nI2\nVk\\u00e9\nI3\nu.".utf8)
        #expect(try Self.desc(p) == "{str:6bc3a9: int:3, str:7a: int:2}")
    }

    /// The limit counts distinct keys: a batch longer than the limit passes when its repeats keep the
    /// dict within it, and one more distinct key fails as before, also in a batch exactly at the limit.
    @Test func limitCountsDistinctKeysInABatch() throws {
        var limits = PickleLimits.default
        limits.maxContainerElements = 3
        let a = Self.str("a"), b = Self.str("b"), c = Self.str("c"), d = Self.str("d")
        #expect(Self.error(Self.batch([a, b, c]), limits: limits)?.code == nil)
        #expect(try Self.desc(Self.batch([a, b, a, c, b, c, a]), limits: limits) == "{str:61: int:6, str:62: int:4, str:63: int:5}")
        #expect(Self.error(Self.batch([a, b, c, d]), limits: limits)?.code == .limitExceeded)
        #expect(Self.error(Self.batch([a, b, a, c, d]), limits: limits)?.code == .limitExceeded)
        #expect(Self.error(Self.batch([[0x4B, 1], [0x88], b, c, d]), limits: limits)?.code == .limitExceeded)
        // Thrown at the SETITEMS opcode, as before.
        let p = Self.batch([a, b, c, d])
        #expect(Self.error(p, limits: limits)?.offset == p.count - 2)
    }
}
