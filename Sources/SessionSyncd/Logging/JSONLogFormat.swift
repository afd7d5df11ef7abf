import Logging

/// Writes one JSON object per line:
/// `{"ts":"2026-11-27T08:40:00.123Z","level":"info","msg":"batch synced","sync.batch_size":12}`.
///
/// Metadata keys stay flat and dotted (as in logfmt), sorted; values are strings, except numbers
/// (``LogNumber``, `Int`, `Double`) and booleans passed as `.stringConvertible`, which stay JSON numbers
/// and booleans; array metadata becomes an array of strings; secrets are redacted (``LogRedaction``).
typealias JSONLogHandler = FormattedLogHandler<JSONLogFormat>

/// The line syntax of ``JSONLogHandler``.
enum JSONLogFormat: LogLineFormat {
    /// The line for `record`, ending in `\n`.
    static func format(_ record: LogRecord) -> String {
        var line = "{\"ts\":" + JSONEncoding.string(record.timestamp)
        line += ",\"level\":" + JSONEncoding.string(record.level.rawValue)
        line += ",\"msg\":" + JSONEncoding.string(record.message)
        for (key, value) in record.fields {
            line += "," + JSONEncoding.string(["ts", "level", "msg"].contains(key) ? "_" + key : key) + ":"
            switch value {
            case .string(let s): line += JSONEncoding.string(s)
            case .number(let n): line += n
            case .bool(let b): line += b ? "true" : "false"
            case .array(let items): line += "[" + items.map(JSONEncoding.string).joined(separator: ",") + "]"
            }
        }
        return line + "}\n"
    }
}
