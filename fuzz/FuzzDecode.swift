// libFuzzer entry point for PickleCodec.
//
// Built by scripts/fuzz with swiftc directly (a SwiftPM executable target does
// not link with -sanitize=fuzzer here), compiled into the codec's own module.
// Every input is decoded as a raw pickle, as web.py base64 text and through the
// auto-detecting entry point, under small limits. Whatever decodes is exported
// as canonical JSON, compared with itself, looked up, re-encoded at the protocol
// the input picks, and decoded again:
//   - what the encoder wrote must decode (with roomier limits: re-encoding may
//     grow the input, e.g. protocol 0 text);
//   - NaN-free values must keep their canonical JSON through the round trip;
//   - at protocols 4 and 5, which keep every field, the documents must be
//     structurally equal.
// Inert objects and bare globals are kept for inspection, not promised to
// re-encode identically (an unresolvable `_reconstructor` becomes a REDUCE of
// its class, which may then resolve), so for them encoding and decoding only
// have to end without a crash.
// Any trap, crash, hang or sanitizer report is a bug.

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

/// For decoding our own re-encoding: it may be larger than the input (protocol 0 text, the
/// decimal digits of a LONG1), so these are roomy.
let reDecodeLimits = PickleLimits(
    maxInputBytes: 64 << 20, maxOpcodes: 20_000_000, maxStackDepth: 1_000_000, maxMarkDepth: 100_000,
    maxMemoEntries: 10_000_000, maxDecodedBytes: 256 << 20, maxContainerElements: 1_000_000,
    maxIntegerDigits: 10_000, maxNestingDepth: 100_000)

func exercise(_ document: PickleDocument, protocolSelector: Int) {
    let json = try? document.canonicalJSON(limits: fuzzLimits)
    if let json, !json.contains("NaN"), !PickleDocument.structurallyEqual(document, document.root, document, document.root) {
        fatalError("a NaN-free value is not equal to itself")
    }
    _ = document.lookup(path: ["user", "email"])
    _ = document.lookup(path: ["uid"])
    let inert = document.nodes.contains { node in
        switch node {
        case .object, .global: return true
        default: return false
        }
    }
    let protocols = [0, 2, 3, 4, 5]
    let chosen = protocols[protocolSelector % protocols.count]
    guard let bytes = try? PickleEncoder(protocol: chosen).encode(document) else { return }
    if inert {
        // The decoder may resolve what it kept inert before (say into a known dict subclass) and
        // then refuse what the object carried (an unhashable key): an error, never a crash.
        _ = try? PickleDecoder(limits: reDecodeLimits).decode(pickle: bytes)
        return
    }
    let again: PickleDocument
    do {
        again = try PickleDecoder(limits: reDecodeLimits).decode(pickle: bytes)
    } catch {
        fatalError("encoder output did not decode (protocol \(chosen)): \(error)")
    }
    if let json, !json.contains("NaN"), let json2 = try? again.canonicalJSON(limits: reDecodeLimits), json != json2 {
        fatalError("round trip changed the canonical JSON (protocol \(chosen))")
    }
    if chosen >= 4 && !PickleDocument.structurallyEqual(document, document.root, again, again.root) {
        fatalError("round trip changed the value (protocol \(chosen))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickleDecoder(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    let decoder = PickleDecoder(limits: fuzzLimits)
    let selector = Int(input.first ?? 0)
    for attempt in 0..<3 {
        do {
            let document: PickleDocument
            switch attempt {
            case 0: document = try decoder.decode(pickle: input)
            case 1: document = try decoder.decode(base64Text: input)
            default: document = try decoder.decode(data: input)
            }
            exercise(document, protocolSelector: selector + attempt)
        } catch {
            _ = error.description
        }
    }
    return 0
}
