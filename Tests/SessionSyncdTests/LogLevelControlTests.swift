import Foundation
import Logging
import Testing
@testable import SessionSyncd

/// The shared level behind every handler (``LogLevelControl``): what SIGHUP changes.
@Suite struct LogLevelControlTests {
    private static let clock = LogClock { (1_795_768_800, 0) }

    private static func logger(_ format: LogSettings.Format, _ level: LogLevelControl, _ capture: LogLineCapture) -> Logger {
        Logger(label: "t") { LoggingSetup.makeHandler(format: format, sharedLevel: level, label: $0, writer: capture.writer, clock: clock) }
    }

    @Test func handlersMadeBeforeAChangeFollowIt() {
        let level = LogLevelControl(.info)
        let capture = LogLineCapture()
        let logfmt = Self.logger(.logfmt, level, capture)
        let json = Self.logger(.json, level, capture)
        var copy = logfmt                      // a copy holds its own copy of the handler
        copy[metadataKey: "pg.generation"] = "2"

        logfmt.debug("hidden")
        json.debug("hidden")
        copy.debug("hidden")
        #expect(capture.lines.isEmpty)

        #expect(level.set(.debug) == .info)
        #expect(logfmt.logLevel == .debug && json.logLevel == .debug && copy.logLevel == .debug)
        logfmt.debug("one")
        json.debug("two")
        copy.debug("three")
        logfmt.trace("hidden")
        #expect(capture.lines.count == 3)
        #expect(capture.lines.allSatisfy { $0.contains("debug") && !$0.contains("hidden") })

        #expect(level.set(.warning) == .debug)
        logfmt.info("hidden")
        json.info("hidden")
        copy.warning("four")
        #expect(capture.lines.count == 4)
        #expect(capture.lines.last?.contains("msg=\"four\" pg.generation=2") == true)
    }

    /// swift-log's rule stays: `logger.logLevel = x` changes that logger (copy) only, and pins it.
    @Test func aLevelSetOnOneLoggerStaysWithThatLogger() {
        let level = LogLevelControl(.info)
        let capture = LogLineCapture()
        let shared = Self.logger(.logfmt, level, capture)
        var pinned = shared
        pinned.logLevel = .error
        #expect(shared.logLevel == .info)
        level.set(.debug)
        #expect(pinned.logLevel == .error)
        pinned.warning("hidden")
        shared.debug("shown")
        #expect(capture.lines.count == 1)
        #expect(capture.lines.first?.contains("msg=\"shown\"") == true)
    }

    /// Readers (log calls on many threads) while a writer keeps changing the level: every read is a
    /// level that was set, every line whole, and the loggers made before see the final level.
    @Test func concurrentReadsAndChangesAreSafe() async {
        let level = LogLevelControl(.info)
        let capture = LogLineCapture()
        let loggers = (0..<4).map { i in Self.logger(i % 2 == 0 ? .logfmt : .json, level, capture) }
        let unexpected = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<20_000 { level.set(i % 2 == 0 ? .debug : .info) }
                return 0
            }
            for logger in loggers {
                group.addTask {
                    var bad = 0
                    for i in 0..<5_000 {
                        let seen = logger.logLevel
                        if seen != .debug && seen != .info { bad += 1 }
                        logger.debug("d", metadata: ["i": "\(i)"])
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(unexpected == 0)
        let written = capture.lines
        #expect(written.allSatisfy { ($0.hasPrefix("ts=") || $0.hasPrefix("{\"ts\"")) && $0.hasSuffix("\n") && $0.contains("debug") })

        level.set(.trace)
        for logger in loggers { logger.trace("after") }
        #expect(capture.lines.count == written.count + loggers.count)
    }
}
