import Testing
@testable import PickleCodec

/// Issue 15 item 5: the JSON budget is proportional to the pickle, so a small pickle whose memo
/// references repeat one value cannot make megabytes of JSON within the default limits.
@Suite struct CodecJSONBudgetTests {
    /// A 1000-character str, four levels of ten references each, six references at the root:
    /// about 1.1 KB of pickle, 60 MB of canonical JSON.
    static func amplifying() -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x58, 0xE8, 0x03, 0x00, 0x00] + [UInt8](repeating: 0x78, count: 1000) + [0x71, 0x00]
        for level in 1 ... 4 {
            p += [0x5D, 0x28]
            for _ in 0 ..< 10 { p += [0x68, UInt8(level - 1)] }
            p += [0x65, 0x71, UInt8(level)]
        }
        p += [0x5D, 0x28]
        for _ in 0 ..< 6 { p += [0x68, 0x04] }
        return p + [0x65, 0x2E]
    }

    @Test func aSmallPickleCannotExpandToMegabytesWithinTheDefaults() throws {
        let pickle = Self.amplifying()
        #expect(pickle.count < 1300)
        let doc = try PickleDecoder().decode(pickle: pickle)
        // The expansion pre-check alone does not stop it: its lower bound is far below maxDecodedBytes.
        #expect(PickleJSONExporter(document: doc, limits: .default).expansionLowerBound(doc.root) < PickleLimits.default.maxDecodedBytes)
        #expect(throws: PickleJSONOverflow.proportional) { _ = try doc.canonicalJSON() }
        // Only the proportional budget stopped it: allowed more per pickle byte, the same document exports in full.
        let generous = PickleLimits(jsonBytesPerInputByte: 1 << 20)
        let json = try doc.canonicalJSON(limits: generous)
        var size = 1002                                   // "x…x"
        for _ in 1 ... 4 { size = 10 * size + 9 + 2 }     // ten items, nine commas, brackets
        #expect(json.utf8.count == 6 * size + 5 + 2)
        #expect(json.utf8.count > 60_000_000)
        #expect(json.hasPrefix("[[[[[\"xxx"))
    }

    @Test func theBudgetIsProportionalWithAFloorAndACeiling() {
        let limits = PickleLimits.default
        #expect(limits.jsonBudget(inputBytes: 0) == 64 << 10)
        #expect(limits.jsonBudget(inputBytes: 1000) == 64 << 10)
        #expect(limits.jsonBudget(inputBytes: 10_000) == 640_000)
        #expect(limits.jsonBudget(inputBytes: 4 << 20) == limits.maxDecodedBytes)
        #expect(limits.jsonBudget(inputBytes: .max) == limits.maxDecodedBytes)
        #expect(PickleLimits(jsonBytesPerInputByte: .max).jsonBudget(inputBytes: 3) == limits.maxDecodedBytes)
        #expect(PickleLimits(maxDecodedBytes: 1000).jsonBudget(inputBytes: 10) == 1000)
    }

    @Test func eachBoundIsNamedByItsError() throws {
        // [1]: a few bytes of JSON; each budget set below it in turn.
        let doc = try PickleDecoder().decode(pickle: [0x80, 0x02, 0x5D, 0x4B, 0x01, 0x61, 0x2E])
        #expect(try doc.canonicalJSON() == "[1]")
        #expect(try doc.canonicalJSON(maxBytes: 3) == "[1]")
        #expect(throws: PickleJSONOverflow.caller) { _ = try doc.canonicalJSON(maxBytes: 2) }
        #expect(throws: PickleJSONOverflow.proportional) {
            _ = try doc.canonicalJSON(limits: PickleLimits(jsonBytesPerInputByte: 0, minJSONBytes: 2))
        }
        #expect(throws: PickleJSONOverflow.decoded) { _ = try doc.canonicalJSON(limits: PickleLimits(maxDecodedBytes: 2)) }
        #expect(throws: PickleJSONOverflow.caller) {
            _ = try doc.canonicalJSON(limits: PickleLimits(maxDecodedBytes: 2), maxBytes: 1)
        }
    }

    @Test(arguments: DecoderFixtures.golden)
    func everyGoldenSessionFitsItsDefaultBudget(_ c: GoldenCase) throws {
        let doc = try PickleDecoder().decode(pickle: c.pickle)
        #expect(throws: Never.self) { _ = try doc.canonicalJSON() }
    }
}
