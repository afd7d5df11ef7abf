/// The rows and status of one statement, copied out of libpq's PGresult at once.
///
/// Values are kept in text format (we always ask for text results).
public struct PGResult: Sendable {
    public var columnNames: [String]
    /// Type OIDs of the columns (e.g. 25 text, 17 bytea).
    public var columnTypes: [UInt32]
    public var rowCount: Int
    /// The command tag, e.g. "INSERT 0 3", "SELECT 2".
    public var commandTag: String
    /// Rows affected (PQcmdTuples) for INSERT/UPDATE/DELETE/MERGE/SELECT/..., else nil.
    public var rowsAffected: Int?

    /// All cell bytes back to back, row-major.
    var storage: [UInt8]
    /// Start offset into `storage` per cell, row-major.
    var offsets: [Int]
    /// Length per cell, -1 for NULL.
    var lengths: [Int32]

    init(
        columnNames: [String], columnTypes: [UInt32], rowCount: Int, commandTag: String,
        rowsAffected: Int?, storage: [UInt8], offsets: [Int], lengths: [Int32]
    ) {
        self.columnNames = columnNames
        self.columnTypes = columnTypes
        self.rowCount = rowCount
        self.commandTag = commandTag
        self.rowsAffected = rowsAffected
        self.storage = storage
        self.offsets = offsets
        self.lengths = lengths
    }

    /// The text value at (row, column); nil = SQL NULL (or out of range).
    public subscript(row: Int, column: Int) -> String? {
        guard let cell = cellIndex(row, column), lengths[cell] >= 0 else { return nil }
        let start = offsets[cell]
        return String(decoding: storage[start..<(start + Int(lengths[cell]))], as: UTF8.self)
    }

    /// The raw value bytes; a `bytea` column is decoded from its `\x` hex text form.
    public func bytes(row: Int, column: Int) -> [UInt8]? {
        guard let cell = cellIndex(row, column), lengths[cell] >= 0 else { return nil }
        let start = offsets[cell]
        let raw = storage[start..<(start + Int(lengths[cell]))]
        if columnTypes[column] == PGValue.byteaOID, let decoded = Self.decodeHexBytea(raw) {
            return decoded
        }
        return Array(raw)
    }

    /// Index of the first column with this name.
    public func column(named name: String) -> Int? {
        columnNames.firstIndex(of: name)
    }

    /// Whether the value at (row, column) is SQL NULL.
    public func isNull(row: Int, column: Int) -> Bool {
        guard let cell = cellIndex(row, column) else { return true }
        return lengths[cell] < 0
    }

    private func cellIndex(_ row: Int, _ column: Int) -> Int? {
        guard row >= 0, row < rowCount, column >= 0, column < columnNames.count else { return nil }
        return row * columnNames.count + column
    }

    static func decodeHexBytea(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        guard raw.count >= 2, raw.count % 2 == 0,
            raw[raw.startIndex] == UInt8(ascii: "\\"), raw[raw.startIndex + 1] == UInt8(ascii: "x")
        else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((raw.count - 2) / 2)
        var i = raw.startIndex + 2
        while i < raw.endIndex {
            guard let hi = nibble(raw[i]), let lo = nibble(raw[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
