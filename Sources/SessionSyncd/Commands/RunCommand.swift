import Foundation
import ArgumentParser
import Logging

/// `session-syncd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: LISTEN, catch up, sync every notified session (SIGHUP reloads, SIGTERM stops).")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let config = try options.loadConfiguration()
        let logger = options.logger(config)
        let engine = SyncEngine(configuration: config, configPath: options.config, conninfo: options.conninfo(config), logger: logger,
                                logLevel: LoggingSetup.processLevel)
        let status = try await engine.run()
        if status != 0 { throw ExitCode(status) }
        // Everything is closed and logged ("stopped"): leave without atexit handlers. CI saw the process
        // outlive SIGTERM by more than 10 s after "stopped" (exit(3) blocked, the grace timer's too).
        fflush(nil)
        _exit(0)
    }
}
