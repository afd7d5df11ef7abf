import Foundation
import Logging
import Testing
@testable import PGListen

/// Why an integration test cannot run. Thrown (never skipped): a test that needs
/// PostgreSQL fails with this message when it is not configured or not reachable.
struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Connects to the PostgreSQL that scripts/test (or `scripts/pg-temp start`) set up
/// through the PG* environment variables.
enum TestDatabase {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Throws unless PGHOST or PGPORT is set: without them the tests would hit whatever
    /// libpq's defaults point at, or nothing, and must not pass silently.
    static func requireEnvironment() throws {
        guard environment["PGHOST"] != nil || environment["PGPORT"] != nil else {
            let required = environment["SESSION_SYNCD_REQUIRE_PG"] == "1" ? " (SESSION_SYNCD_REQUIRE_PG=1)" : ""
            throw TestSetupError(description:
                "PostgreSQL is not configured\(required): run scripts/test, or eval \"$(scripts/pg-temp start)\" to export PGHOST/PGPORT/PGUSER/PGDATABASE")
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "pglisten-tests")
        logger.logLevel = .critical
        return logger
    }

    /// A configuration from the PG* environment; `conninfo` adds to / overrides it.
    static func configuration(_ conninfo: String = "", applicationName: String = "pglisten-tests",
                              queryTimeout: Duration? = .seconds(60)) throws -> PGConnectionConfiguration {
        try requireEnvironment()
        return PGConnectionConfiguration(
            conninfo: conninfo, applicationName: applicationName, connectTimeout: .seconds(10),
            queryTimeout: queryTimeout)
    }

    /// Opens a connection, failing the test with a clear message if PostgreSQL is unreachable.
    static func connect(_ conninfo: String = "", applicationName: String = "pglisten-tests",
                        queryTimeout: Duration? = .seconds(60)) async throws -> PGConnection {
        let config = try configuration(conninfo, applicationName: applicationName, queryTimeout: queryTimeout)
        do {
            return try await PGConnection.connect(config, logger: logger)
        } catch {
            throw TestSetupError(description: "cannot reach PostgreSQL via PG* environment: \(error)")
        }
    }

    static var port: String { environment["PGPORT"] ?? "5432" }

    /// A name unique to this test run, usable as a channel or application name.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(UInt16.random(in: 0...UInt16.max))"
    }

    /// A LOGIN role with a password, for TCP connections (scram-sha-256 on 127.0.0.1).
    static let passwordRole = "pglisten_test_login"
    static let passwordRolePassword = "Sw0rdfish-\u{00e9}-pw"

    static func ensurePasswordRole(_ admin: PGConnection) async throws {
        try await admin.execute("""
            DO $$ BEGIN
              CREATE ROLE \(passwordRole) LOGIN PASSWORD '\(passwordRolePassword)';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
              NULL;
            END $$
            """)
    }

    /// The server PID of the connection whose application_name is `applicationName`.
    static func backendPID(applicationName: String, admin: PGConnection) async throws -> Int32? {
        let r = try await admin.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY backend_start DESC LIMIT 1",
            [.text(applicationName)])
        return r[0, 0].flatMap { Int32($0) }
    }
}

/// Collects a listener's events so tests can wait for a condition with a generous deadline.
final class EventLog: @unchecked Sendable {  // @unchecked: `events` is only touched under `lock`
    private let lock = NSLock()
    private var events: [PGListenerEvent] = []
    private var finished = false
    private var consumer: Task<Void, Never>?

    init(_ listener: PGListener) {
        consumer = Task { [weak self] in
            for await event in listener.events {
                guard let self else { return }
                self.lock.withLock { self.events.append(event) }
            }
            self?.lock.withLock { self?.finished = true }
        }
    }

    var snapshot: [PGListenerEvent] { lock.withLock { events } }
    var isFinished: Bool { lock.withLock { finished } }

    var notifications: [PGNotification] {
        snapshot.compactMap { if case .notification(let n) = $0 { n } else { nil } }
    }
    var generations: [Int] {
        snapshot.compactMap { if case .listening(let g) = $0 { g } else { nil } }
    }
    var disconnects: [PGError] {
        snapshot.compactMap { if case .disconnected(let e, _) = $0 { e } else { nil } }
    }

    /// Waits until `condition` holds; throws after `timeout` (a generous bound, not a timing assertion).
    func waitUntil(_ what: String, timeout: Duration = .seconds(90), _ condition: (EventLog) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            if ContinuousClock.now > deadline {
                throw TestSetupError(description: "timed out waiting for \(what); events so far: \(summary)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    var summary: String {
        let s = snapshot
        let head = s.prefix(8).map { event -> String in
            switch event {
            case .listening(let g): "listening(\(g))"
            case .notification(let n): "notification(\(n.channel))"
            case .disconnected(let e, let d): "disconnected(\(e), \(d))"
            }
        }
        return "\(s.count) events: \(head.joined(separator: ", "))"
    }
}
