import Logging

/// Installs the process-wide log handler. Only `main` calls ``bootstrap(format:level:)``; libraries
/// take a `Logger` parameter.
enum LoggingSetup {
    /// The level every handler installed by ``bootstrap(format:level:)`` reads. `run` changes it on
    /// SIGHUP (`[log] level`), and every logger already made follows.
    static let processLevel = LogLevelControl(.info)

    /// Routes every `Logger` to stderr in `format`, writing ``processLevel`` and above, starting at `level`.
    /// swift-log allows one bootstrap per process: call it once, before creating loggers.
    /// The format is fixed for the life of the process; the level is not.
    /// - Parameters:
    ///   - format: logfmt (default of ``LogSettings``) or JSON.
    ///   - level: lowest level written, until ``processLevel`` is set again.
    static func bootstrap(format: LogSettings.Format, level: Logger.Level) {
        processLevel.set(level)
        let shared = processLevel
        LoggingSystem.bootstrap { label in
            makeHandler(format: format, sharedLevel: shared, label: label)
        }
    }

    /// A handler for `format` with a level of its own (tests).
    /// - Parameters:
    ///   - format: line format.
    ///   - level: lowest level written.
    ///   - label: the logger's label.
    ///   - writer: destination; default stderr.
    ///   - clock: timestamp source; default the system clock.
    static func makeHandler(format: LogSettings.Format, level: Logger.Level, label: String,
                            writer: LogLineWriter = .standardError, clock: LogClock = .system) -> any LogHandler {
        makeHandler(format: format, sharedLevel: LogLevelControl(level), label: label, writer: writer, clock: clock)
    }

    /// A handler for `format` reading its level from `sharedLevel` on every call (the factory
    /// ``bootstrap(format:level:)`` installs, with ``processLevel``).
    /// - Parameters:
    ///   - format: line format.
    ///   - sharedLevel: lowest level written, shared with every other handler made with it.
    ///   - label: the logger's label.
    ///   - writer: destination; default stderr.
    ///   - clock: timestamp source; default the system clock.
    static func makeHandler(format: LogSettings.Format, sharedLevel: LogLevelControl, label: String,
                            writer: LogLineWriter = .standardError, clock: LogClock = .system) -> any LogHandler {
        switch format {
        case .logfmt: return LogfmtLogHandler(label: label, sharedLevel: sharedLevel, writer: writer, clock: clock)
        case .json: return JSONLogHandler(label: label, sharedLevel: sharedLevel, writer: writer, clock: clock)
        }
    }
}
