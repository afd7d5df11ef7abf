import Testing
@testable import PGListen

/// Starts a listener on `channels`, waits for `.listening(generation: 1)`.
func startListener(
    channels: [String], applicationName: String = TestDatabase.uniqueName("pglisten_listener"),
    heartbeat: Duration = .seconds(10), queryTimeout: Duration? = .seconds(60)
) async throws -> (PGListener, EventLog) {
    let config = PGListenerConfiguration(
        connection: try TestDatabase.configuration(applicationName: applicationName, queryTimeout: queryTimeout),
        channels: channels, heartbeatTimeout: heartbeat,
        reconnect: ReconnectPolicy(initial: .milliseconds(50), multiplier: 2, maximum: .seconds(1), jitter: true))
    let listener = PGListener(configuration: config, logger: TestDatabase.logger)
    let log = EventLog(listener)
    listener.start()
    do {
        try await log.waitUntil("listening(1)") { $0.generations.contains(1) }
    } catch {
        await listener.stop()
        throw TestSetupError(description: "listener did not start (is PostgreSQL reachable via PG*?): \(error)")
    }
    return (listener, log)
}

@Suite struct PGListenerTests {
    @Test func notificationFromASecondConnectionArrives() async throws {
        let channel = TestDatabase.uniqueName("chan")
        let (listener, log) = try await startListener(channels: [channel])
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        _ = try await sender.query("SELECT pg_notify($1, $2)", [.text(channel), .text("hello")])
        try await log.waitUntil("the notification") { !$0.notifications.isEmpty }
        let n = try #require(log.notifications.first)
        #expect(n.channel == channel)
        #expect(n.payload == "hello")
        #expect(n.backendPID == sender.backendPID)
        await listener.stop()
        #expect(log.generations == [1])
        #expect(log.disconnects.isEmpty)
    }

    @Test func burstOf10000ArrivesCompleteAndInOrder() async throws {
        let channel = TestDatabase.uniqueName("burst")
        let (listener, log) = try await startListener(channels: [channel])
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        // Distinct payloads: PostgreSQL folds identical notifications within one transaction.
        _ = try await sender.query(
            "SELECT count(pg_notify($1, i::text)) FROM generate_series(1, 10000) AS i", [.text(channel)])
        try await log.waitUntil("10000 notifications", timeout: .seconds(180)) { $0.notifications.count >= 10000 }
        let payloads = log.notifications.map(\.payload)
        #expect(payloads == (1...10000).map(String.init))
        await listener.stop()
    }

    @Test func nonASCIIPayloadsAndChannelNames() async throws {
        let channel = "Kanäl \"quoted\" 😀 " + TestDatabase.uniqueName("x")
        let (listener, log) = try await startListener(channels: [channel])
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        let payloads = ["grüße", "日本語のテキスト", "emoji 😀👍🏽🇩🇪", "quote ' \" \\ back", ""]
        for p in payloads {
            _ = try await sender.query("SELECT pg_notify($1, $2)", [.text(channel), .text(p)])
        }
        try await log.waitUntil("all payloads") { $0.notifications.count >= payloads.count }
        #expect(log.notifications.map(\.payload) == payloads)
        #expect(log.notifications.allSatisfy { $0.channel == channel })
        await listener.stop()
    }

    @Test func notificationsArrivingDuringOwnQueryAreDelivered() async throws {
        let channel = TestDatabase.uniqueName("during")
        let listenerConn = try await TestDatabase.connect()
        let other = try await TestDatabase.connect()
        let watcher = try await TestDatabase.connect()
        defer { listenerConn.close(); other.close(); watcher.close() }
        try await listenerConn.listen(channel)
        let key = "\(Int32.random(in: 1...Int32.max))"
        // `other` holds an advisory lock in a transaction with a pending NOTIFY; the
        // listener's query waits for that lock, so the notification is sent while the
        // listener's own query is running, and libpq reads it with the query's results.
        try await other.execute("BEGIN")
        _ = try await other.query("SELECT pg_advisory_xact_lock($1::bigint)", [.text(key)])
        _ = try await other.query("SELECT pg_notify($1, 'during')", [.text(channel)])
        let blocked = Task { () throws(PGError) -> PGResult in
            try await listenerConn.query("SELECT pg_advisory_xact_lock($1::bigint)", [.text(key)])
        }
        for _ in 0..<1000 {
            let r = try await watcher.query(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND wait_event_type = 'Lock'",
                [.text("\(listenerConn.backendPID)")])
            if r[0, 0] == "1" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await other.execute("COMMIT")
        _ = try await blocked.value
        // Delivered with the results: no further socket traffic needed.
        let drained = listenerConn.drainNotifications()
        #expect(drained.map(\.payload) == ["during"])
        #expect(listenerConn.drainNotifications().isEmpty)
    }

    @Test func bufferedNotificationsEndAWaitAtOnce() async throws {
        let channel = TestDatabase.uniqueName("buffered")
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.listen(channel)
        // NOTIFY from our own session is delivered to us right after this statement.
        _ = try await conn.query("SELECT pg_notify($1, 'self')", [.text(channel)])
        #expect(try await conn.waitForNotifications(timeout: .seconds(30)))
        #expect(conn.drainNotifications().map(\.payload) == ["self"])
        #expect(try await conn.waitForNotifications(timeout: .milliseconds(50)) == false)
        try await conn.unlisten(channel)
        _ = try await conn.query("SELECT pg_notify($1, 'after unlisten')", [.text(channel)])
        #expect(conn.drainNotifications().isEmpty)
    }

    @Test func reconnectsAfterTerminateBackend() async throws {
        let channel = TestDatabase.uniqueName("term")
        let app = TestDatabase.uniqueName("pglisten_term_listener")
        let (listener, log) = try await startListener(channels: [channel], applicationName: app)
        let admin = try await TestDatabase.connect()
        defer { admin.close() }
        let pid = try #require(try await TestDatabase.backendPID(applicationName: app, admin: admin))
        _ = try await admin.query("SELECT pg_terminate_backend($1::int)", [.text("\(pid)")])
        try await log.waitUntil("listening(2)") { $0.generations.contains(2) }
        let lost = try #require(log.disconnects.first)
        #expect(lost.isConnectionError)
        #expect(lost.sqlState == "57P01" || lost.code == .connectionLost)
        // Events come in the documented order.
        let kinds = log.snapshot.map { event -> String in
            switch event {
            case .listening: "L"
            case .notification: "N"
            case .disconnected: "D"
            }
        }
        #expect(kinds.prefix(3) == ["L", "D", "L"])
        _ = try await admin.query("SELECT pg_notify($1, 'after reconnect')", [.text(channel)])
        try await log.waitUntil("notification after reconnect") { $0.notifications.contains { $0.payload == "after reconnect" } }
        let newPID = try await TestDatabase.backendPID(applicationName: app, admin: admin)
        #expect(newPID != pid)
        await listener.stop()
    }

    @Test func heartbeatKeepsAnIdleHealthyConnection() async throws {
        let channel = TestDatabase.uniqueName("idle")
        let (listener, log) = try await startListener(channels: [channel], heartbeat: .milliseconds(400))
        // Several heartbeat rounds pass without a disconnect.
        try await Task.sleep(for: .seconds(2))
        #expect(log.disconnects.isEmpty, "\(log.summary)")
        #expect(log.generations == [1])
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        _ = try await sender.query("SELECT pg_notify($1, 'still here')", [.text(channel)])
        try await log.waitUntil("notification") { !$0.notifications.isEmpty }
        await listener.stop()
    }

    @Test func heartbeatListensAgainOnALostChannel() async throws {
        let kept = TestDatabase.uniqueName("kept")
        let lost = TestDatabase.uniqueName("lost")
        let (listener, log) = try await startListener(channels: [kept, lost], heartbeat: .milliseconds(400))
        let conn = try #require(listener.currentConnection)
        // Something unlistened behind the listener's back (a pooler reset, DISCARD ALL, ...).
        try await conn.unlisten(lost)
        try await log.waitUntil("listening(2) after re-LISTEN") { $0.generations.contains(2) }
        #expect(log.disconnects.isEmpty, "\(log.summary)")
        let sender = try await TestDatabase.connect()
        defer { sender.close() }
        _ = try await sender.query("SELECT pg_notify($1, 'back')", [.text(lost)])
        try await log.waitUntil("notification on the re-listened channel") {
            $0.notifications.contains { $0.channel == lost && $0.payload == "back" }
        }
        await listener.stop()
    }

    @Test func stopFinishesTheStreamWhileWaiting() async throws {
        let (listener, log) = try await startListener(channels: [TestDatabase.uniqueName("stop")])
        await listener.stop()
        try await log.waitUntil("the stream to finish", timeout: .seconds(30)) { $0.isFinished }
        // stop is idempotent and start after stop does nothing.
        listener.start()
        await listener.stop()
    }

    @Test func stopWhileRetryingAnUnreachableServer() async throws {
        try TestDatabase.requireEnvironment()
        let config = PGListenerConfiguration(
            connection: PGConnectionConfiguration(conninfo: "host=127.0.0.1 port=1"),
            channels: ["x"],
            reconnect: ReconnectPolicy(initial: .seconds(300), multiplier: 2, maximum: .seconds(600), jitter: false))
        let listener = PGListener(configuration: config, logger: TestDatabase.logger)
        let log = EventLog(listener)
        listener.start()
        try await log.waitUntil("disconnected") { !$0.disconnects.isEmpty }
        let first = try #require(log.snapshot.first)
        guard case .disconnected(let error, let retryIn) = first else {
            Issue.record("expected .disconnected first, got \(log.summary)")
            return
        }
        #expect(error.code == .connectionFailed)
        #expect(retryIn == .seconds(300))
        await listener.stop()  // must not wait out the 300 s backoff
        try await log.waitUntil("the stream to finish", timeout: .seconds(30)) { $0.isFinished }
    }
}
