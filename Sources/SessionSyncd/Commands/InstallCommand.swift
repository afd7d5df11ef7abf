import ArgumentParser
import Logging
import PGListen

/// `session-syncd install`: creates or upgrades, idempotently, everything in the database.
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Create or upgrade (idempotently) the session_syncd schema, the target and errors tables, columns, triggers and grants.",
        discussion: "Applies exactly the files of sql/ (embedded), then calls session_syncd.setup(), add_column() and grant_daemon(). Run it as the owner of the sessions table.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let config = try options.loadConfiguration()
        let logger = options.logger(config)
        let connection = try await options.connect(config, logger: logger)
        defer { connection.close() }
        do {
            try await Installer(configuration: config).install(on: connection, logger: logger)
        } catch let error as PGError {
            throw SyncError(.database, "install failed: \(error.description)", sqlState: error.sqlState)
        }
        logger.info("installed", metadata: [
            "sync.source": "\(config.sourceTable)", "sync.target": "\(config.targetTable)",
            "sync.columns": "\(MappedColumn.all(config).map(\.mapping.name).joined(separator: ","))",
            "pg.channel": "\(config.channel)",
        ])
    }
}
