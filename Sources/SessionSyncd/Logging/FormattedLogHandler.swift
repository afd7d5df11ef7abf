import Logging

/// How a ``FormattedLogHandler`` turns one record into one line.
protocol LogLineFormat {
    /// The line for `record`, ending in `\n`.
    static func format(_ record: LogRecord) -> String
}

/// A swift-log handler that writes each event as one line in `Format` (``JSONLogHandler``,
/// ``LogfmtLogHandler``). Everything but the line's syntax is here, once: the shared level, metadata,
/// the metadata provider, the clock and the writer.
struct FormattedLogHandler<Format: LogLineFormat>: LogHandler {
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
    /// Whether each line starts with its syslog priority, `<6>` (stderr is journald's stream: ``JournalStream``).
    var syslogPrefix = false

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
        let line = Format.format(record)
        writer.write(Array((syslogPrefix ? SyslogPriority.prefix(record.level) + line : line).utf8))
    }
}
