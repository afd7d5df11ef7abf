import ArgumentParser
import Foundation
import Logging
import PGListen

/// `session-syncd resync`: re-syncs every session, batched, through the same write path as `run`.
struct ResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Re-sync every session (batched; progress on stderr). Safe while the daemon runs.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let config = try options.loadConfiguration()
        let logger = options.logger(config)
        let connection = try await options.connect(config, logger: logger)
        defer { connection.close() }
        try await connection.execute(SyncPipeline.sessionSettings + "; " + config.timeouts.sql)
        let pipeline = try await SyncPipeline.load(config, on: connection)
        // A second connection reads the pages ahead while the first writes (PageScan); without it, one does both.
        var reader = try? await options.connect(config, logger: logger)
        if let r = reader, (try? await r.execute(config.timeouts.sql)) == nil {
            r.close()
            reader = nil
        }
        defer { reader?.close() }
        let started = ContinuousClock.now
        var total = SyncPipeline.Result()
        do {
            var progress = ProgressReporter(total: try await pipeline.reader.count(on: connection))
            var scan = PageScan(pipeline: pipeline, limit: config.batch.catchupBatchSize, onlyOutOfSync: false)
            while let step = try await scan.next(on: connection, reading: reader, logger: logger) {
                total += step.result
                progress.update(total.read)
            }
            progress.update(total.read, force: true)
            progress.finish()
        } catch {
            throw SyncError(.database, "resync failed: \(error.description)", sqlState: error.sqlState)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(total.read) / seconds) : 0
        print("resynced \(total.read) sessions in \(String(format: "%.2f", seconds)) s (\(rate) sessions/s): \(total.written) written, \(total.problems) problems recorded")
    }
}
