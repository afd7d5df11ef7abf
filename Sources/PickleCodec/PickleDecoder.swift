/// Decodes Python pickles (protocols 0–5, Python 2 and 3) into a ``PickleDocument``, safely.
///
/// Nothing in a pickle is ever executed or imported: allowlisted globals become
/// typed values, all others inert ``PickleObject``s. Every resource is bounded
/// by ``PickleLimits``; no code path recurses to a depth the input controls.
public struct PickleDecoder: Sendable {
    /// Bounds applied to every decode.
    public var limits: PickleLimits

    /// Creates a decoder.
    /// - Parameter limits: resource bounds; default ``PickleLimits/default``.
    public init(limits: PickleLimits = .default) {
        self.limits = limits
    }

    /// Decodes raw pickle bytes; bytes after STOP are ignored, as CPython does.
    /// - Parameter pickle: the pickle.
    /// - Throws: ``PickleError`` with the byte offset and opcode.
    public func decode(pickle: [UInt8]) throws(PickleError) -> PickleDocument {
        var machine = PickleUnpickler(input: pickle, limits: limits)
        return try machine.run()
    }

    /// Decodes web.py's session text: base64 (76-column lines or one line), surrounding whitespace allowed.
    /// - Parameter base64Text: the text's bytes.
    /// - Throws: `.invalidBase64` with the text offset, or any decoding error (offsets in the pickle).
    public func decode(base64Text: [UInt8]) throws(PickleError) -> PickleDocument {
        try decode(pickle: try PickleBase64.decode(base64Text, maxOutput: limits.maxInputBytes))
    }

    /// Decodes base64 text if every non-whitespace byte is in the base64 alphabet, else raw pickle bytes.
    /// - Parameter data: the column's bytes.
    /// - Throws: ``PickleError``.
    public func decode(data: [UInt8]) throws(PickleError) -> PickleDocument {
        // Base64 first, the scan only when that fails: text that decodes passes the scan, so the
        // outcome is the scan's, and a session (always text from web.py) is read once, not twice.
        let pickle: [UInt8]
        do {
            pickle = try PickleBase64.decode(data, maxOutput: limits.maxInputBytes)
        } catch {
            if PickleBase64.looksLikeBase64(data) { throw error }
            return try decode(pickle: data)
        }
        return try decode(pickle: pickle)
    }
}
