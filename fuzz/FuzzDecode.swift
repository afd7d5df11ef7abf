// libFuzzer entry point for PickleCodec.
//
// Built by scripts/fuzz with swiftc directly (a SwiftPM executable target does
// not link with -sanitize=fuzzer here). Every input is decoded as a raw pickle
// and as web.py base64 text under small limits; whatever decodes is exported as
// canonical JSON, compared with itself, re-encoded at the protocol the input's
// first byte picks, and decoded again. Any trap, crash, hang or sanitizer report
// is a bug: the decoder's contract is a PickleError for every bad input.

let fuzzLimits = PickleLimits(
    maxInputBytes: 1 << 16,
    maxOpcodes: 50_000,
    maxStackDepth: 5_000,
    maxMarkDepth: 1_000,
    maxMemoEntries: 10_000,
    maxDecodedBytes: 1 << 20,
    maxContainerElements: 10_000,
    maxIntegerDigits: 600,
    maxNestingDepth: 1_000
)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickleDecoder(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    let decoder = PickleDecoder(limits: fuzzLimits)
    for attempt in 0..<2 {
        let document: PickleDocument
        do {
            document = attempt == 0 ? try decoder.decode(pickle: input) : try decoder.decode(base64Text: input)
        } catch {
            _ = error.description
            continue
        }
        let json = try? document.canonicalJSON(limits: fuzzLimits)
        if !PickleDocument.structurallyEqual(document, document.root, document, document.root), json != nil, !(json!.contains("NaN")) {
            fatalError("a NaN-free value is not equal to itself")
        }
        // Inert objects are kept for inspection, not promised to re-encode identically.
        let inert = document.nodes.contains { node in
            switch node {
            case .object, .global: return true
            default: return false
            }
        }
        if inert { continue }
        let protocols = [0, 2, 3, 4, 5]
        let chosen = protocols[Int(input.first ?? 0) % protocols.count]
        guard let bytes = try? PickleEncoder(protocol: chosen).encode(document) else { continue }
        // What we wrote must decode again (with default limits: re-encoding may grow the input).
        do {
            let again = try PickleDecoder().decode(pickle: bytes)
            if let json, let json2 = try? again.canonicalJSON(limits: fuzzLimits), json != json2 {
                // NaN-free values must survive the round trip exactly.
                if !json.contains("NaN") { fatalError("round trip changed the canonical JSON (protocol \(chosen))") }
            }
        } catch {
            fatalError("encoder output did not decode (protocol \(chosen)): \(error)")
        }
    }
    return 0
}
