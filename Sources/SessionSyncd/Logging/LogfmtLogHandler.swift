import Logging

/// Writes one logfmt line per event:
/// `ts=2026-11-27T08:40:00.123Z level=info msg="batch synced" sync.batch_size=12 sync.session_ref=3f1a9c0b7d2e`.
///
/// `msg` is always quoted; other values only when needed. Metadata keys are sorted; nested
/// dictionaries become dotted keys; secrets are redacted (``LogRedaction``).
struct LogfmtLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// The shared level (``LogLevelControl``), read on every call, so a level changed on SIGHUP reaches
    /// loggers made before it; unless this logger copy was given its own with `logger.logLevel = ...`
    /// (swift-log's rule: setting the level changes that logger only). The daemon sets none.
    var logLevel: Logger.Level {
        get { ownLevel ?? sharedLevel.level }
        set { ownLevel = newValue }
    }
    private var ownLevel: Logger.Level?
    private let sharedLevel: LogLevelControl
    /// The logger's label (not written: one process, one label).
    let label: String
    private let writer: LogLineWriter
    private let clock: LogClock

    /// Creates a handler with a level of its own (not shared with other handlers).
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - level: lowest level written; default `.info`.
    ///   - writer: destination; default stderr.
    ///   - clock: timestamp source; default the system clock.
    ///   - metadataProvider: contextual metadata; default none.
    init(label: String, level: Logger.Level = .info, writer: LogLineWriter = .standardError, clock: LogClock = .system,
         metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, sharedLevel: LogLevelControl(level), writer: writer, clock: clock, metadataProvider: metadataProvider)
    }

    /// Creates a handler that writes at and above `sharedLevel`'s current level.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - sharedLevel: the level, read on every log call.
    ///   - writer: destination; default stderr.
    ///   - clock: timestamp source; default the system clock.
    ///   - metadataProvider: contextual metadata; default none.
    init(label: String, sharedLevel: LogLevelControl, writer: LogLineWriter = .standardError, clock: LogClock = .system,
         metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.sharedLevel = sharedLevel
        self.writer = writer
        self.clock = clock
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let record = LogRecord(event: event, handlerMetadata: metadata, provider: metadataProvider, timestamp: clock.timestamp())
        writer.write(Array(Self.format(record).utf8))
    }

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
