import Foundation
import Logging
import PGListen
import Testing
@testable import SessionSyncd

extension DaemonTestDatabase {
    /// Runs `install` in-process with `configuration` (the same code as the command).
    func install(_ configuration: SyncConfiguration = .defaults) async throws {
        try await Installer(configuration: configuration).install(on: connection, logger: Self.logger)
    }

    /// The pipeline `run` uses, on this database's connection.
    func pipeline(_ configuration: SyncConfiguration = .defaults) async throws -> SyncPipeline {
        try await SyncPipeline.load(configuration, on: connection)
    }

    /// Starts `session-syncd run` against this database and waits for its first catch-up.
    /// - Parameters:
    ///   - config: a configuration file.
    ///   - environment: variables for the daemon (``DaemonProcess/init(_:environment:logURL:)``).
    ///   - logURL: its stderr file.
    ///   - waitFor: the log text that means started (default the first catch-up's).
    func startDaemon(config: String? = nil, environment: [String: String] = [:], logURL: URL? = nil,
                     waitFor: String = "caught up") async throws -> DaemonProcess {
        var args = ["run", "--dsn", conninfo]
        if let config { args += ["--config", config] }
        let daemon = try DaemonProcess(args, environment: environment, logURL: logURL)
        let ready = try await daemon.waitForLog(waitFor)
        #expect(ready, "daemon did not catch up; log:\n\(daemon.log)")
        return daemon
    }

    /// Runs the `verify` command against this database: its exit status and the counts it printed.
    /// - Parameter config: a configuration file, or nil for the defaults.
    func verifyCommand(config: URL? = nil) throws -> (status: Int32, counts: [String: Int]) {
        var args = ["verify", "--dsn", conninfo]
        if let config { args += ["--config", config.path] }
        let r = try DaemonProcess.run(args)
        var counts: [String: Int] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { counts[String(parts[0])] = Int(parts[1].trimmingCharacters(in: .whitespaces)) }
        }
        return (r.status, counts)
    }

    /// `verify` report computed in-process.
    func verifyReport(_ configuration: SyncConfiguration = .defaults) async throws -> Verifier.Report {
        try await Verifier(pipeline: pipeline(configuration)).verify(on: connection, pageSize: 100)
    }

    /// A column of session_fields for a session (nil if the row or the value is missing).
    func field(_ key: String, _ column: String) async throws -> String? {
        try await fields(key)?[column] ?? nil
    }
}

/// Runs `body` on a new database made from `schema`; whatever daemon `body` leaves in its
/// `daemon` slot is then stopped (exit status 0 expected, its log shown otherwise) and the
/// database dropped, also when `body` throws (then its error is the one rethrown).
func withDaemonDatabase(
    _ schema: String = DaemonTestDatabase.defaultSchema,
    _ body: (DaemonTestDatabase, inout DaemonProcess?) async throws -> Void
) async throws {
    let db = try await DaemonTestDatabase.create(schema)
    var daemon: DaemonProcess?
    do {
        try await body(db, &daemon)
    } catch {
        try? await finish(daemon, db)
        throw error
    }
    try await finish(daemon, db)
}

/// Stops the daemon, expecting exit status 0; then drops the database (not private: SystemdNotifyDaemonTests calls it).
func finish(_ daemon: DaemonProcess?, _ db: DaemonTestDatabase) async throws {
    if let daemon {
        let log = daemon.log
        let status = try await daemon.stop()
        #expect(status == 0, "daemon exit status \(status); log:\n\(log)")
    }
    await db.drop()
}
