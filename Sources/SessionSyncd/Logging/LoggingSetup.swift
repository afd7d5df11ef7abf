import Logging

/// Installs the process-wide log handler. Only `main` calls ``bootstrap(format:level:)``; libraries
/// take a `Logger` parameter.
enum LoggingSetup {
    /// Routes every `Logger` to stderr in `format`, writing `level` and above.
    /// swift-log allows one bootstrap per process: call it once, before creating loggers.
    /// - Parameters:
    ///   - format: logfmt (default of ``LogSettings``) or JSON.
    ///   - level: lowest level written.
    static func bootstrap(format: LogSettings.Format, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            makeHandler(format: format, level: level, label: label)
        }
    }

    /// A handler for `format` (the factory ``bootstrap(format:level:)`` installs; tests use it directly).
    /// - Parameters:
    ///   - format: line format.
    ///   - level: lowest level written.
    ///   - label: the logger's label.
    ///   - writer: destination; default stderr.
    ///   - clock: timestamp source; default the system clock.
    static func makeHandler(format: LogSettings.Format, level: Logger.Level, label: String,
                            writer: LogLineWriter = .standardError, clock: LogClock = .system) -> any LogHandler {
        switch format {
        case .logfmt: return LogfmtLogHandler(label: label, level: level, writer: writer, clock: clock)
        case .json: return JSONLogHandler(label: label, level: level, writer: writer, clock: clock)
        }
    }
}
