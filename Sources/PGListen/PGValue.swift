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
            return Encoded(bytes: try Self.arrayLiteralBytes(elements), format: 0, type: 0)
        case .byteaArray(let elements):
            return Encoded(bytes: Self.byteaArrayLiteralBytes(elements), format: 0, type: 0)
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
        var out: [UInt8] = []
        appendArrayLiteral(elements, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The array literal as NUL-terminated UTF-8, built byte by byte (the batch write's
    /// parameters: per-character String appends were a quarter of the daemon's CPU).
    /// - Throws: `.invalidArgument` if an element contains NUL.
    static func arrayLiteralBytes(_ elements: [String?]) throws(PGError) -> [UInt8] {
        var out: [UInt8] = []
        if appendArrayLiteral(elements, to: &out) {
            throw PGError(.invalidArgument, "a text parameter contains a NUL character, which PostgreSQL text cannot store")
        }
        out.append(0)
        return out
    }

    /// Appends the literal; returns whether an element contained NUL. `"` and `\` are ASCII, so
    /// escaping UTF-8 bytes one by one never splits a multi-byte character.
    @discardableResult
    static func appendArrayLiteral(_ elements: [String?], to out: inout [UInt8]) -> Bool {
        var size = 2
        for e in elements { size += (e?.utf8.count ?? 4) + 3 }
        out.reserveCapacity(out.count + size)
        var sawNUL = false
        out.append(UInt8(ascii: "{"))
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            guard var element else {
                out.append(contentsOf: [UInt8(ascii: "N"), UInt8(ascii: "U"), UInt8(ascii: "L"), UInt8(ascii: "L")])
                continue
            }
            out.append(UInt8(ascii: "\""))
            element.withUTF8 { bytes in
                for b in bytes {
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    if b == 0 { sawNUL = true }
                    out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return sawNUL
    }

    /// `{"\\x0aff",NULL}` as NUL-terminated bytes: each element's hex input form, quoted (its
    /// backslash escaped), for `$n::bytea[]`.
    static func byteaArrayLiteralBytes(_ elements: [[UInt8]?]) -> [UInt8] {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var size = 3
        for e in elements { size += (e.map { $0.count * 2 + 6 } ?? 4) + 1 }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        out.append(UInt8(ascii: "{"))
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            guard let element else {
                out.append(contentsOf: [UInt8(ascii: "N"), UInt8(ascii: "U"), UInt8(ascii: "L"), UInt8(ascii: "L")])
                continue
            }
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            for b in element {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0xf)])
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        out.append(0)
        return out
    }
}
