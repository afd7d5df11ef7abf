/// Writes a ``PickleDocument`` as pickle bytes.
///
/// Protocol 0 is written the way Python 2's `cPickle` writes it (web.py on
/// Python 2: `(dp1\n`, `S'...'` strings, `V` unicode, PUT ids from 1).
/// Protocols 2–5 are written the way CPython 3.11's `pickle.dumps` writes
/// them: memo ids, framing and batching included, so a document built from
/// a value of the known session types encodes to the same bytes.
///
/// Object identity follows the document: a node referenced twice is one
/// Python object (written once, then fetched from the memo). As in CPython,
/// the empty string, one-character Latin-1 strings and the UTC timezone are
/// singletons whichever node holds them, and timezone names with equal text
/// are taken to be one str (the value model keeps no identity for them).
///
/// The encoder is iterative: nesting depth is bounded by memory, not by the
/// call stack.
public struct PickleEncoder: Sendable {
    /// How many expansions of one node may be under way at once: a recursive tuple is entered a
    /// second time before the memo resolves it; a third entry is a cycle that would never end.
    static let maxReentry: UInt8 = 2

    /// The protocol written: 0, or 2 through 5.
    public let pickleProtocol: Int

    /// Creates an encoder.
    /// - Parameter protocol: 0 (Python 2 text pickles), or 2...5 (CPython 3's
    ///   binary protocols). Default 4, what web.py writes on Python 3.8+.
    public init(protocol: Int = 4) {
        self.pickleProtocol = `protocol`
    }

    /// Encodes `doc` starting at its root.
    /// - Parameter doc: the document to write.
    /// - Returns: the pickle, ending with STOP.
    /// - Throws: ``PickleError`` `.unsupportedProtocol` for protocol 1 or
    ///   above 5; `.unencodable` for a dangling reference or a value the
    ///   protocol cannot express.
    public func encode(_ doc: PickleDocument) throws(PickleError) -> [UInt8] {
        switch pickleProtocol {
        case 0:
            var writer = PickleTextPickler(document: doc)
            return try writer.run()
        case 2...5:
            var writer = PickleBinaryPickler(document: doc, protocol: pickleProtocol)
            return try writer.run()
        default:
            throw PickleError(.unsupportedProtocol, detail: "encoder writes protocols 0 and 2 to 5")
        }
    }

    /// Encodes `doc` as web.py stores it: `base64.encodebytes` of the pickle.
    /// - Parameter doc: the document to write.
    /// - Returns: base64 text in lines of 76 characters, each ending with "\n".
    /// - Throws: what ``encode(_:)`` throws.
    public func encodeBase64Text(_ doc: PickleDocument) throws(PickleError) -> String {
        let bytes = try encode(doc)
        return PickleEncoder.base64Lines(bytes)
    }
}
