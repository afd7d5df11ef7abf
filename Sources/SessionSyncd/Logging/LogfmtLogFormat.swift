import Logging

/// Writes one logfmt line per event:
/// `ts=2026-11-27T08:40:00.123Z level=info msg="batch synced" sync.batch_size=12 sync.session_ref=3f1a9c0b7d2e`.
///
/// `msg` is always quoted; other values only when needed. Metadata keys are sorted; nested
/// dictionaries become dotted keys; secrets are redacted (``LogRedaction``).
typealias LogfmtLogHandler = FormattedLogHandler<LogfmtLogFormat>

/// The line syntax of ``LogfmtLogHandler``.
enum LogfmtLogFormat: LogLineFormat {
    /// The line for `record`, ending in `\n`.
    static func format(_ record: LogRecord) -> String {
        var line = "ts=" + record.timestamp + " level=" + record.level.rawValue
        line += " msg=" + LogfmtEncoding.value(record.message, forceQuotes: true)
        for (key, value) in record.fields {
            let k = LogfmtEncoding.key(key)
            line += " " + (["ts", "level", "msg"].contains(k) ? "_" + k : k) + "="
            switch value {
            case .string(let s), .number(let s): line += LogfmtEncoding.value(s)
            case .bool(let b): line += b ? "true" : "false"
            case .array(let items): line += LogfmtEncoding.value("[" + items.joined(separator: ",") + "]")
            }
        }
        return line + "\n"
    }
}
