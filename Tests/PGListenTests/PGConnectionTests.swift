import Testing
@testable import PGListen

@Suite struct PGConnectionTests {
    @Test func parameterizedQueryRoundTrips() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let r = try await conn.query("SELECT $1::text AS a, $2::int + 1 AS b, $3::text IS NULL AS c",
                                     [.text("héllo 😀"), .text("41"), nil])
        #expect(r.columnNames == ["a", "b", "c"])
        #expect(r.rowCount == 1)
        #expect(r[0, 0] == "héllo 😀")
        #expect(r[0, 1] == "42")
        #expect(r[0, 2] == "t")
        #expect(r.column(named: "b") == 1)
        #expect(r.commandTag == "SELECT 1")
        #expect(conn.serverVersion >= 100000)
        #expect(conn.backendPID > 0)
    }

    @Test func binaryAndByteaValues() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let bytes: [UInt8] = [0, 1, 2, 0x5c, 0x22, 0xff]
        let r = try await conn.query("SELECT $1::bytea, length($1::bytea), ''::bytea", [.binary(bytes)])
        #expect(r.bytes(row: 0, column: 0) == bytes)
        #expect(r[0, 1] == "6")
        #expect(r.bytes(row: 0, column: 2) == [])
    }

    @Test func defaultApplicationNameAndOperatorOverride() async throws {
        try TestDatabase.requireEnvironment()
        let plain = try await PGConnection.connect(
            PGConnectionConfiguration(conninfo: "", applicationName: "session-syncd-test"), logger: TestDatabase.logger)
        defer { plain.close() }
        #expect(try await plain.query("SELECT current_setting('application_name')")[0, 0] == "session-syncd-test")
        let overridden = try await TestDatabase.connect("application_name=operator_choice")
        defer { overridden.close() }
        #expect(try await overridden.query("SELECT current_setting('application_name')")[0, 0] == "operator_choice")
    }

    /// `overrides` win over the conninfo and the URI form (the status writer's `target_session_attrs=read-write`).
    @Test func overridesWinOverTheConninfo() async throws {
        try TestDatabase.requireEnvironment()
        for conninfo in ["application_name=operator_choice", "postgresql:///postgres?application_name=operator_choice"] {
            var config = PGConnectionConfiguration(conninfo: conninfo)
            config.overrides = [("application_name", "forced")]
            let conn = try await PGConnection.connect(config, logger: TestDatabase.logger)
            defer { conn.close() }
            #expect(try await conn.query("SELECT current_setting('application_name')")[0, 0] == "forced", "\(conninfo)")
        }
    }

    @Test func textWithNULIsRejectedBeforeSending() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        await #expect(throws: PGError.self) { _ = try await conn.query("SELECT $1::text", [.text("a\u{0}b")]) }
        do {
            _ = try await conn.query("SELECT $1::text", [.text("a\u{0}b")])
        } catch {
            #expect(error.code == .invalidArgument)
        }
        // The connection is still usable.
        #expect(try await conn.query("SELECT 1")[0, 0] == "1")
    }

    @Test func sqlStatesAreMapped() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.execute("""
            CREATE TEMP TABLE parent (id int PRIMARY KEY);
            CREATE TEMP TABLE child (parent_id int REFERENCES parent (id));
            INSERT INTO parent VALUES (1);
            """)
        let cases: [(String, [PGValue?], String)] = [
            ("INSERT INTO parent VALUES ($1::int)", [.text("1")], "23505"),
            ("INSERT INTO child VALUES ($1::int)", [.text("99")], "23503"),
            ("SELEC 1", [], "42601"),
        ]
        for (sql, params, state) in cases {
            do {
                _ = try await conn.query(sql, params)
                Issue.record("\(sql) should have failed")
            } catch {
                #expect(error.sqlState == state)
                #expect(error.code == .queryFailed)
                #expect(!error.isConnectionError)
                #expect(error.severity == "ERROR")
                #expect(error.statement == sql)
                #expect(error.description.contains(state))
            }
        }
        // Unique violation's DETAIL names the key value: kept in `detail`, never in `description`.
        do {
            _ = try await conn.query("INSERT INTO parent VALUES (1)")
        } catch {
            #expect(error.detail?.contains("(1)") == true)
            #expect(!error.description.contains("Key (id)"))
        }
        #expect(try await conn.query("SELECT count(*) FROM parent")[0, 0] == "1")
    }

    @Test func terminatedBackendGives57P01AndTheConnectionIsUnusable() async throws {
        let app = TestDatabase.uniqueName("pglisten_term")
        let victim = try await TestDatabase.connect(applicationName: app)
        let admin = try await TestDatabase.connect()
        defer { victim.close(); admin.close() }
        let pid = victim.backendPID
        let sleeper = Task { () throws(PGError) -> PGResult in try await victim.query("SELECT pg_sleep(60)") }
        // Wait until the sleep runs, then terminate it.
        for _ in 0..<500 {
            let r = try await admin.query("SELECT state FROM pg_stat_activity WHERE pid = $1::int", [.text("\(pid)")])
            if r[0, 0] == "active" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = try await admin.query("SELECT pg_terminate_backend($1::int)", [.text("\(pid)")])
        guard let error = await pgFailure(of: sleeper) else {
            Issue.record("the query survived pg_terminate_backend")
            return
        }
        #expect(error.sqlState == "57P01")
        #expect(error.code == .connectionLost)
        #expect(error.isConnectionError)
        await #expect(throws: PGError.self) { _ = try await victim.query("SELECT 1") }
    }

    @Test func connectionRefusedIsAClearError() async throws {
        try TestDatabase.requireEnvironment()
        let config = PGConnectionConfiguration(conninfo: "host=127.0.0.1 port=1 user=x password=RefusedSecret42 dbname=postgres")
        do {
            _ = try await PGConnection.connect(config, logger: TestDatabase.logger)
            Issue.record("connected to port 1?")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.isConnectionError)
            #expect(error.message.lowercased().contains("refused"), "\(error)")
            #expect(!error.description.contains("RefusedSecret42"))
        }
    }

    @Test(arguments: ["keyvalue", "uri"])
    func wrongPasswordIsAClearErrorWithoutThePassword(form: String) async throws {
        let admin = try await TestDatabase.connect()
        defer { admin.close() }
        try await TestDatabase.ensurePasswordRole(admin)
        let wrong = "Wr0ngPassw0rd-\(form)"
        let conninfo = form == "uri"
            ? "postgresql://\(TestDatabase.passwordRole):\(wrong)@127.0.0.1:\(TestDatabase.port)/postgres"
            : "host=127.0.0.1 port=\(TestDatabase.port) user=\(TestDatabase.passwordRole) password='\(wrong)' dbname=postgres"
        do {
            _ = try await PGConnection.connect(PGConnectionConfiguration(conninfo: conninfo), logger: TestDatabase.logger)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("password authentication failed"), "\(error)")
            #expect(!error.description.contains(wrong))
            #expect(!error.message.contains(wrong))
        }
        #expect(!PGConnectionConfiguration(conninfo: conninfo).redactedConninfo.contains(wrong))
    }

    @Test func multiHostConninfoSkipsADownHost() async throws {
        let admin = try await TestDatabase.connect()
        defer { admin.close() }
        try await TestDatabase.ensurePasswordRole(admin)
        let conninfo = "host=127.0.0.1,127.0.0.1 port=1,\(TestDatabase.port) user=\(TestDatabase.passwordRole) "
            + "password='\(TestDatabase.passwordRolePassword)' dbname=postgres"
        let conn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: conninfo), logger: TestDatabase.logger)
        defer { conn.close() }
        let r = try await conn.query("SELECT current_user, inet_server_port()")
        #expect(r[0, 0] == TestDatabase.passwordRole)
        #expect(r[0, 1] == TestDatabase.port)
    }

    @Test func tcpKeepalivesAreOnByDefaultAndConninfoOverrides() async throws {
        let admin = try await TestDatabase.connect()
        defer { admin.close() }
        try await TestDatabase.ensurePasswordRole(admin)
        let tcp = "host=127.0.0.1 port=\(TestDatabase.port) user=\(TestDatabase.passwordRole) "
            + "password='\(TestDatabase.passwordRolePassword)' dbname=postgres"
        var config = PGConnectionConfiguration(conninfo: tcp)
        config.keepalivesIdle = .seconds(17)
        let conn = try await PGConnection.connect(config, logger: TestDatabase.logger)
        defer { conn.close() }
        #expect(try await conn.keepaliveState() == .init(enabled: true, idleSeconds: 17))
        let off = try await PGConnection.connect(
            PGConnectionConfiguration(conninfo: tcp + " keepalives=0"), logger: TestDatabase.logger)
        defer { off.close() }
        #expect(try await off.keepaliveState().enabled == false)
    }

    @Test func preparedStatements() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.prepare(name: "add_one", sql: "SELECT $1::int + 1")
        #expect(try await conn.executePrepared(name: "add_one", [.text("1")])[0, 0] == "2")
        #expect(try await conn.executePrepared(name: "add_one", [.text("41")])[0, 0] == "42")
        do {
            _ = try await conn.executePrepared(name: "no_such_statement", [])
            Issue.record("executing an unknown prepared statement succeeded")
        } catch {
            #expect(error.sqlState == "26000")
        }
    }

    @Test func transactionCommitsAndRollsBack() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.execute("CREATE TEMP TABLE t (v text)")
        try await conn.transaction { c in
            _ = try await c.query("INSERT INTO t VALUES ($1)", [.text("kept")])
        }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await conn.transaction { c in
                _ = try await c.query("INSERT INTO t VALUES ($1)", [.text("rolled back")])
                throw Boom()
            }
        }
        let r = try await conn.query("SELECT v FROM t ORDER BY v")
        #expect(r.rowCount == 1)
        #expect(r[0, 0] == "kept")
    }

    @Test(arguments: [false, true])
    func pipelineRunsABatch(sequential: Bool) async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.execute("CREATE TEMP TABLE batch (id int PRIMARY KEY, v text)")
        var statements: [(sql: String, parameters: [PGValue?])] = []
        for i in 0..<50 {
            statements.append(("INSERT INTO batch VALUES ($1::int, $2)", [.text("\(i)"), .text("v\(i)")]))
        }
        statements.append(("SELECT count(*), max(v) FROM batch", []))
        let results = try await conn.pipeline(statements, forceSequential: sequential)
        #expect(results.count == 51)
        #expect(results[0].rowsAffected == 1)
        #expect(results[50][0, 0] == "50")

        // Atomic: a failing statement rolls the whole batch back.
        let failing: [(sql: String, parameters: [PGValue?])] = [
            ("INSERT INTO batch VALUES (100, 'x')", []),
            ("INSERT INTO batch VALUES (1, 'duplicate')", []),
            ("INSERT INTO batch VALUES (101, 'y')", []),
        ]
        do {
            _ = try await conn.pipeline(failing, forceSequential: sequential)
            Issue.record("a batch with a duplicate key succeeded")
        } catch {
            #expect(error.sqlState == "23505")
            #expect(!error.isConnectionError)
        }
        #expect(try await conn.query("SELECT count(*) FROM batch")[0, 0] == "50")
        #expect(PGConnection.supportsPipelining == (PGConnection.libpqVersion >= 140000))
    }

    @Test func executeRunsSeveralStatementsAndStopsAtTheFirstError() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        try await conn.execute("CREATE TEMP TABLE e (v int); INSERT INTO e VALUES (1); INSERT INTO e VALUES (2)")
        #expect(try await conn.query("SELECT sum(v) FROM e")[0, 0] == "3")
        await #expect(throws: PGError.self) { try await conn.execute("INSERT INTO e VALUES (3); SELEC oops") }
        #expect(try await conn.query("SELECT 1")[0, 0] == "1")
    }

    @Test func cancellingTheTaskInterruptsAWait() async throws {
        let conn = try await TestDatabase.connect()
        defer { conn.close() }
        let task = Task { () throws(PGError) -> PGResult in try await conn.query("SELECT pg_sleep(60)") }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        guard let error = await pgFailure(of: task) else {
            Issue.record("the sleep finished despite cancellation")
            return
        }
        #expect(error.code == .cancelled)
    }

    @Test func closeWakesAWaitingCall() async throws {
        let conn = try await TestDatabase.connect()
        let task = Task { () throws(PGError) -> Bool in try await conn.waitForNotifications(timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(200))
        conn.close()
        guard let error = await pgFailure(of: task) else {
            Issue.record("the wait returned normally after close()")
            return
        }
        #expect(error.code == .closed)
        await #expect(throws: PGError.self) { _ = try await conn.query("SELECT 1") }
    }
}

/// The PGError a task failed with, or nil if it succeeded (or failed otherwise).
func pgFailure<T>(of task: Task<T, any Error>) async -> PGError? {
    if case .failure(let error) = await task.result { return error as? PGError }
    return nil
}
