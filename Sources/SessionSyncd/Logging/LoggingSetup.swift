import Foundation
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
    /// When stderr is journald's stream (`$JOURNAL_STREAM`), each line starts with its syslog priority (`<6>`).
    /// - Parameters:
    ///   - format: logfmt (default of ``LogSettings``) or JSON.
    ///   - level: lowest level written, until ``processLevel`` is set again.
    ///   - journal: whether to write the priority prefix; default: whether `$JOURNAL_STREAM` names stderr.
    static func bootstrap(format: LogSettings.Format, level: Logger.Level,
                          journal: Bool = JournalStream.matches(ProcessInfo.processInfo.environment["JOURNAL_STREAM"], fd: 2)) {
        processLevel.set(level)
        let shared = processLevel
        LoggingSystem.bootstrap { label in
            makeHandler(format: format, sharedLevel: shared, label: label, syslogPrefix: journal)
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
    ///   - syslogPrefix: start each line with `<N>`, its syslog priority (journald); default false.
    static func makeHandler(format: LogSettings.Format, sharedLevel: LogLevelControl, label: String,
                            writer: LogLineWriter = .standardError, clock: LogClock = .system,
                            syslogPrefix: Bool = false) -> any LogHandler {
        switch format {
        case .logfmt:
            var h = LogfmtLogHandler(label: label, sharedLevel: sharedLevel, writer: writer, clock: clock)
            h.syslogPrefix = syslogPrefix
            return h
        case .json:
            var h = JSONLogHandler(label: label, sharedLevel: sharedLevel, writer: writer, clock: clock)
            h.syslogPrefix = syslogPrefix
            return h
        }
    }
}
