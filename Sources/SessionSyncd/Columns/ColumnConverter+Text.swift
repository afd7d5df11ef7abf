import PickleCodec

/// Conversions of text and uuid columns.
extension ColumnConverter {
    func text(_ node: PickleNode, maxLength: Int?) -> Outcome {
        guard let s = Self.string(node) else { return wrongType(node, expected: .text) }
        if s.unicodeScalars.contains("\u{0}") {
            return .problem(reason: "contains NUL character (text cannot store it)", excerpt: ColumnProblem.abbreviate(s))
        }
        if let maxLength {
            let n = s.unicodeScalars.count
            if n > maxLength {
                return .problem(reason: "over-long: \(n) characters, at most \(maxLength)", excerpt: ColumnProblem.abbreviate(s))
            }
        }
        let bytes = s.utf8.count
        if bytes > Self.indexedTextMaxBytes {
            return .problem(reason: "over-long: \(bytes) bytes, at most \(Self.indexedTextMaxBytes) (the column's btree index takes no more)",
                            excerpt: ColumnProblem.abbreviate(s))
        }
        return .value(s)
    }

    /// The most UTF-8 bytes a text value may have, whatever `max_length` says: every mapped text
    /// column has a btree index, whose entries hold at most 2704 bytes (SQLSTATE 54000 beyond,
    /// which would fail the whole batch's statement). 2600 leaves room for the entry's headers;
    /// PostgreSQL may compress a longer value into an entry, but that depends on the value.
    static let indexedTextMaxBytes = 2600

    func uuid(_ node: PickleNode) -> Outcome {
        switch node {
        case .uuid(let u): return .value(u.hyphenated)
        case .string, .py2String:
            let s = Self.string(node) ?? ""
            guard let normalized = Self.normalizedUUID(s) else {
                return .problem(reason: "not a UUID", excerpt: ColumnProblem.abbreviate(s))
            }
            return .value(normalized)
        default: return wrongType(node, expected: .uuid)
        }
    }

    static func normalizedUUID(_ s: String) -> String? {
        var hex: [Character] = []
        let chars = Array(s.lowercased())
        let dashed = chars.count == 36
        guard dashed || chars.count == 32 else { return nil }
        for (i, c) in chars.enumerated() {
            if dashed && [8, 13, 18, 23].contains(i) {
                guard c == "-" else { return nil }
                continue
            }
            guard c.isHexDigit, c.isASCII else { return nil }
            hex.append(c)
        }
        let h = String(hex)
        func part(_ a: Int, _ b: Int) -> Substring {
            h[h.index(h.startIndex, offsetBy: a)..<h.index(h.startIndex, offsetBy: b)]
        }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}
