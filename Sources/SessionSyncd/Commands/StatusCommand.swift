import ArgumentParser
import Logging

/// `session-syncd status`: the status rows of every instance; exit 0 only if an active instance has a
/// fresh heartbeat and no `warning` (a Nagios-style check: the first line says OK or CRITICAL).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every instance's status row; exit 0 only if an active instance has a fresh heartbeat and no warning, 1 otherwise.")

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "One JSON object: {\"ok\": ..., \"max_age_s\": ..., \"instances\": [...]}.")
    var json = false

    @Option(name: .customLong("max-age-s"),
            help: ArgumentHelp("A heartbeat older than this many seconds is stale (default: three of the instance's [status] interval_s).",
                               valueName: "seconds"))
    var maxAge: Double?

    func validate() throws {
        if let maxAge, !(maxAge > 0 && maxAge.isFinite) { throw ValidationError("--max-age-s must be a positive number of seconds") }
    }

    func run() async throws {
        let config = try options.loadConfiguration()
        let logger = options.logger(config)
        let connection = try await options.connect(config, logger: logger)
        defer { connection.close() }
        let query = StatusQuery(target: SQLIdentifier.quoteQualified(config.targetTable), maxAgeSeconds: maxAge)
        let result = try await query.read(on: connection)
        if json {
            print(result.json)
        } else {
            print(StatusTable.summary(result, maxAgeSeconds: maxAge))
            if !result.rows.isEmpty { print(StatusTable.render(result)) }
        }
        if !result.ok { throw ExitCode(1) }
    }
}
