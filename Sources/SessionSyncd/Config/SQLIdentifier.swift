/// Rules for the names the configuration puts into SQL.
///
/// Only plain identifiers are accepted (ASCII letter or underscore, then letters, digits, underscores;
/// at most 63 bytes, PostgreSQL's NAMEDATALEN - 1), so a name can never smuggle SQL in and is never
/// silently truncated by the server.
enum SQLIdentifier {
    /// PostgreSQL truncates longer identifiers; refusing them avoids two names colliding after truncation.
    static let maxLength = 63

    /// True if `name` is a plain identifier.
    static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        for (i, b) in bytes.enumerated() {
            let letter = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
            let digit = b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
            if !(letter || (digit && i > 0)) { return false }
        }
        return true
    }

    /// True if `name` is `identifier` or `schema.identifier`.
    static func isValidQualified(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { isValid(String($0)) }
    }
}
