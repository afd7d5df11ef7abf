import ArgumentParser
import Logging
import PGListen

/// `session-syncd verify`: is session_fields what a fresh decode of sessions gives?
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare session_fields with a fresh decode of every session; exit 0 only if nothing is missing, stale or orphaned.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let config = try options.loadConfiguration()
        let logger = options.logger(config)
        let connection = try await options.connect(config, logger: logger)
        defer { connection.close() }
        let pipeline = try await SyncPipeline.load(config, on: connection)
        let report: Verifier.Report
        do {
            report = try await Verifier(pipeline: pipeline).verify(on: connection, pageSize: config.batch.catchupBatchSize)
        } catch {
            throw SyncError(.database, "verify failed: \(error.description)", sqlState: error.sqlState)
        }
        print("sessions: \(report.sessions)")
        print("in sync: \(report.inSync)")
        print("missing: \(report.missing)")
        print("stale: \(report.stale)")
        print("orphaned: \(report.orphaned)")
        print("with recorded errors: \(report.withErrors)")
        print("null data: \(report.nullData)")
        if !report.ok { throw ExitCode(1) }
    }
}
