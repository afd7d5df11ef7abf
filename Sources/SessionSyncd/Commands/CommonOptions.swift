import ArgumentParser
import Logging
import PGListen

/// `--dsn` and `--config`, shared by every subcommand.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("libpq conninfo or postgresql:// URI (default: [database] dsn, else PG* environment).", valueName: "conninfo"))
    var dsn: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML). Without it the design card's defaults apply.", valueName: "path"))
    var config: String?

    /// The configuration file's contents, or the defaults when there is none.
    /// - Throws: `ValidationError` with the file position and key (never a value).
    func loadConfiguration() throws -> SyncConfiguration {
        guard let config else { return .defaults }
        do {
            return try SyncConfiguration.load(path: config)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The conninfo to use: `--dsn`, else the file's dsn, else "" (libpq defaults). Never log it.
    func conninfo(_ configuration: SyncConfiguration) -> String {
        SyncConfiguration.resolve(dsnFlag: dsn, config: configuration)
    }

    /// Bootstraps logging (once per process) and returns the command's logger.
    ///
    /// The logger's level is not set on it: it follows ``LoggingSetup/processLevel`` (which `run`
    /// changes on SIGHUP), like every other logger of the process.
    /// - Parameter configuration: `[log]` settings.
    func logger(_ configuration: SyncConfiguration) -> Logger {
        LoggingSetup.bootstrap(format: configuration.log.format, level: configuration.log.level)
        return Logger(label: "session-syncd")
    }

    /// Connects the query connection; errors name the redacted conninfo only.
    func connect(_ configuration: SyncConfiguration, logger: Logger) async throws -> PGConnection {
        let pg = PGConnectionConfiguration(conninfo: conninfo(configuration))
        do {
            return try await PGConnection.connect(pg, logger: logger)
        } catch {
            throw SyncError(.database, "cannot connect (\(pg.redactedConninfo)): \(error.description)")
        }
    }
}
