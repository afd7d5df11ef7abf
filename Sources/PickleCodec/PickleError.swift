/// Why a pickle could not be decoded, encoded or exported.
///
/// `detail` is a fixed phrase chosen by the codec: it never contains bytes
/// or strings from the input, because session data is personal data.
public struct PickleError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, as an opaque, comparable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input ended inside an opcode or before STOP.
        public static let truncated = Code("truncated")
        /// Base64 text had a byte outside the alphabet or bad padding.
        public static let invalidBase64 = Code("invalidBase64")
        /// A byte that is no pickle opcode.
        public static let unknownOpcode = Code("unknownOpcode")
        /// A real opcode this codec refuses (persistent IDs, extension registry, out-of-band buffers).
        public static let unsupportedOpcode = Code("unsupportedOpcode")
        /// PROTO above 5 (or a protocol the encoder cannot write).
        public static let unsupportedProtocol = Code("unsupportedProtocol")
        /// A ``PickleLimits`` bound was reached.
        public static let limitExceeded = Code("limitExceeded")
        /// An opcode needed more stack items than there were (above the current MARK).
        public static let stackUnderflow = Code("stackUnderflow")
        /// An opcode needed a MARK and there was none.
        public static let markMissing = Code("markMissing")
        /// GET of a memo index never PUT.
        public static let memoMissing = Code("memoMissing")
        /// An argument with an impossible value (negative length, bad date, odd item count, ...).
        public static let badValue = Code("badValue")
        /// A list, dict, set or bytearray used as a dict key or set element.
        public static let unhashableKey = Code("unhashableKey")
        /// FRAME length beyond the input, a new FRAME inside a frame, or an opcode crossing a frame's end.
        public static let badFrame = Code("badFrame")
        /// A text argument (INT, FLOAT, STRING, UNICODE, GLOBAL line, UTF-8 payload) that does not parse.
        public static let invalidText = Code("invalidText")
        /// An operation on a value of the wrong kind (APPEND to a str, BUILD on a tuple, ...).
        public static let typeMismatch = Code("typeMismatch")
        /// Canonical JSON export exceeded its output or depth budget.
        public static let jsonLimitExceeded = Code("jsonLimitExceeded")
        /// A document the encoder cannot write (dangling reference, unrepresentable value).
        public static let unencodable = Code("unencodable")
    }

    /// What went wrong.
    public var code: Code
    /// Byte offset in the pickle (or base64 text) where it happened.
    public var offset: Int?
    /// The opcode being executed, if any.
    public var opcode: UInt8?
    /// A fixed phrase; never input bytes or strings.
    public var detail: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - offset: byte offset in the input, if known.
    ///   - opcode: the opcode being executed, if any.
    ///   - detail: a fixed phrase that must not contain input data.
    public init(_ code: Code, offset: Int? = nil, opcode: UInt8? = nil, detail: String = "") {
        self.code = code
        self.offset = offset
        self.opcode = opcode
        self.detail = detail
    }

    /// `pickle: <code> at byte N (opcode 0xNN 'X'): detail`.
    public var description: String {
        var s = "pickle: \(code)"
        if let offset { s += " at byte \(offset)" }
        if let opcode {
            let hex = String(opcode, radix: 16, uppercase: true)
            s += " (opcode 0x\(hex.count < 2 ? "0" + hex : hex)"
            // Printable opcodes are pickle's own mnemonics, never input data.
            if opcode >= 0x21 && opcode < 0x7F { s += " '\(Character(Unicode.Scalar(opcode)))'" }
            s += ")"
        }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }
}
