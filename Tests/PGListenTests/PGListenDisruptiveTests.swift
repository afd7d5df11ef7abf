import Foundation
import Testing
@testable import PGListen
#if canImport(Glibc)
import Glibc
#endif

/// Tests that restart or stop the server. They disturb every other connection, so
/// scripts/test runs them in a separate invocation
/// (`swift test --filter PGListenDisruptiveTests`) after the main run
/// (`swift test --skip PGListenDisruptiveTests`); serialized among themselves, and
/// each restores the server when it ends, failed or not.
@Suite(.serialized) struct PGListenDisruptiveTests {
    @Test(arguments: ["fast", "immediate"])
    func reconnectsAfterServerRestart(mode: String) async throws {
        let server = try ServerControl()
        defer { server.restore() }
        let channel = TestDatabase.uniqueName("restart_\(mode)")
        let (listener, log) = try await startListener(channels: [channel])
        try server.restart(mode: mode)
        try await log.waitUntil("listening(2) after restart -m \(mode)", timeout: .seconds(60)) {
            $0.generations.contains(2)
        }
        #expect(!log.disconnects.isEmpty)
        #expect(log.disconnects.allSatisfy { $0.isConnectionError })
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        _ = try await sender.query("SELECT pg_notify($1, 'after restart')", [.text(channel)])
        try await log.waitUntil("notification after restart") {
            $0.notifications.contains { $0.payload == "after restart" }
        }
        await listener.stop()
    }

    @Test func heartbeatDetectsAStoppedBackend() async throws {
        let server = try ServerControl()
        let app = TestDatabase.uniqueName("pglisten_sigstop")
        let channel = TestDatabase.uniqueName("stopped")
        let (listener, log) = try await startListener(channels: [channel], applicationName: app, heartbeat: .seconds(2))
        let admin = try await TestDatabase.connect()
        defer { admin.close() }
        let pid = try #require(try await TestDatabase.backendPID(applicationName: app, admin: admin))
        kill(pid, SIGSTOP)
        defer { server.restore(continuing: [pid]) }
        // The socket stays open and silent: only the heartbeat can notice.
        try await log.waitUntil("disconnected after SIGSTOP", timeout: .seconds(30)) { !$0.disconnects.isEmpty }
        let error = try #require(log.disconnects.first)
        #expect(error.code == .timeout)
        #expect(error.isConnectionError)
        // A new backend serves the listener; the stopped one is not needed.
        try await log.waitUntil("listening(2)", timeout: .seconds(30)) { $0.generations.contains(2) }
        kill(pid, SIGCONT)
        _ = try await admin.query("SELECT pg_notify($1, 'after heartbeat')", [.text(channel)])
        try await log.waitUntil("notification after reconnect") {
            $0.notifications.contains { $0.payload == "after heartbeat" }
        }
        await listener.stop()
    }

    @Test func queryAgainstAStoppedServerTimesOut() async throws {
        let server = try ServerControl()
        let conn = try await TestDatabase.connect(queryTimeout: .seconds(2))
        defer { conn.close() }
        let pid = conn.backendPID
        let postmaster = try #require(server.postmasterPID)
        kill(pid, SIGSTOP)
        kill(postmaster, SIGSTOP)
        defer { server.restore(continuing: [pid]) }
        do {
            _ = try await conn.query("SELECT 1")
            Issue.record("a query against a stopped server returned")
        } catch {
            #expect(error.code == .timeout || error.code == .connectionLost, "\(error)")
            #expect(error.isConnectionError)
        }
        server.restore(continuing: [pid])
        // Afterwards the connection is finished, not left out of sync.
        do {
            _ = try await conn.query("SELECT 1")
            Issue.record("the timed-out connection was reused")
        } catch {
            #expect(error.code == .connectionLost)
        }
    }

    @Test func stopIsPromptWhileConnectingToAStoppedServer() async throws {
        let server = try ServerControl()
        let postmaster = try #require(server.postmasterPID)
        kill(postmaster, SIGSTOP)
        defer { server.restore() }
        var connection = try TestDatabase.configuration()
        connection.connectTimeout = .seconds(120)
        let listener = PGListener(
            configuration: PGListenerConfiguration(connection: connection, channels: ["x"]),
            logger: TestDatabase.logger)
        let log = EventLog(listener)
        listener.start()
        try await Task.sleep(for: .milliseconds(300))
        // The connect is waiting in poll() on a server that never answers; stop must not wait for it.
        let stopped = Task { await listener.stop() }
        try await log.waitUntil("the stream to finish", timeout: .seconds(30)) { $0.isFinished }
        await stopped.value
        #expect(log.generations.isEmpty)
    }

    @Test func connectToAStoppedServerTimesOut() async throws {
        let server = try ServerControl()
        let postmaster = try #require(server.postmasterPID)
        kill(postmaster, SIGSTOP)
        defer { server.restore() }
        var config = try TestDatabase.configuration()
        config.connectTimeout = .seconds(2)
        do {
            _ = try await PGConnection.connect(config, logger: TestDatabase.logger)
            Issue.record("connected to a stopped server")
        } catch {
            #expect(error.code == .timeout)
        }
    }
}
