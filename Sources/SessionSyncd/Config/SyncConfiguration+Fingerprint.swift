extension SyncConfiguration {
    /// A stable fingerprint of what decoding writes: the mapped columns (in order, with every attribute)
    /// and the json column. Equal mappings give equal fingerprints in every process and release, so the
    /// daemon can store it (mapping_hash) and notice after SIGHUP that rows were written with another mapping.
    /// "What decoding writes" includes the errors table: `required` changes no stored value (a missing key
    /// is NULL either way) but does change which "missing key" errors exist, so it is part of the
    /// fingerprint and flipping it re-syncs every row, adding or clearing those errors.
    /// 16 lowercase hex digits (64-bit FNV-1a of ``mappingCanonicalText``).
    var mappingFingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in mappingCanonicalText.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Unambiguous text the fingerprint is computed from (every string is length-prefixed).
    var mappingCanonicalText: String {
        func field(_ s: String) -> String { "\(s.utf8.count):\(s)" }
        var out = "mapping/v1;json=" + (jsonColumn.map(field) ?? "-") + ";"
        for c in columns {
            out += "column{name=" + field(c.name)
            out += ";path=[" + c.path.map(field).joined(separator: ",") + "]"
            out += ";type=" + c.type.rawValue
            out += ";ref=" + (c.references.map { field($0.table) + "(" + field($0.column) + ")" } ?? "-")
            out += ";null=[" + c.nullValues.map { v in
                switch v {
                case .int(let i): return "i\(i)"
                case .string(let s): return "s" + field(s)
                case .bool(let b): return b ? "btrue" : "bfalse"
                case .none: return "none"
                }
            }.joined(separator: ",") + "]"
            out += ";max=" + (c.maxLength.map { String($0) } ?? "-")
            out += ";required=" + (c.required ? "true" : "false") + "}"
        }
        return out
    }
}
