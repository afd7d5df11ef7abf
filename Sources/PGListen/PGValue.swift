/// A query parameter. Use an `Optional` nil for SQL NULL.
public enum PGValue: Sendable, Equatable {
    /// Sent in text format; the server infers the type (cast in SQL when ambiguous).
    case text(String)
    /// Sent in binary format as `bytea`.
    case binary([UInt8])
    /// Sent as a PostgreSQL array literal in text format; cast in SQL: `$1::text[]`.
    case textArray([String?])
    /// Sent as a text array of `\x` hex strings; cast in SQL: `$1::bytea[]`.
    case byteaArray([[UInt8]?])
}

extension PGValue {
    /// The wire form: bytes (with a trailing NUL for text), format (0 text, 1 binary), type OID.
    struct Encoded {
        var bytes: [UInt8]
        var format: Int32
        var type: UInt32
    }

    static let byteaOID: UInt32 = 17

    /// Encodes the value for PQsendQueryParams.
    /// - Throws: `.invalidArgument` if text contains NUL (PostgreSQL text cannot hold it).
    func encoded() throws(PGError) -> Encoded {
        switch self {
        case .text(let s):
            return Encoded(bytes: try Self.cString(s), format: 0, type: 0)
        case .binary(let b):
            return Encoded(bytes: b, format: 1, type: Self.byteaOID)
        case .textArray(let elements):
            return Encoded(bytes: try Self.cString(Self.arrayLiteral(elements)), format: 0, type: 0)
        case .byteaArray(let elements):
            let hex = elements.map { $0.map(Self.hexByteaText) }
            return Encoded(bytes: try Self.cString(Self.arrayLiteral(hex)), format: 0, type: 0)
        }
    }

    private static func cString(_ s: String) throws(PGError) -> [UInt8] {
        var bytes = Array(s.utf8)
        if bytes.contains(0) {
            throw PGError(.invalidArgument, "a text parameter contains a NUL character, which PostgreSQL text cannot store")
        }
        bytes.append(0)
        return bytes
    }

    /// A PostgreSQL array literal: `{"a","b\"c",NULL}`.
    ///
    /// Every non-NULL element is double-quoted, with `"` and `\` backslash-escaped, so
    /// empty strings, the word NULL, braces, commas and surrounding whitespace all
    /// round-trip unchanged.
    public static func arrayLiteral(_ elements: [String?]) -> String {
        var out = "{"
        for (i, element) in elements.enumerated() {
            if i > 0 { out += "," }
            guard let element else { out += "NULL"; continue }
            out += "\""
            for ch in element.unicodeScalars {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.unicodeScalars.append(ch)
            }
            out += "\""
        }
        return out + "}"
    }

    /// bytea hex input form: `\x0aff`.
    static func hexByteaText(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
