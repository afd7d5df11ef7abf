import Logging
import PickleCodec
import Testing
@testable import SessionSyncd

#if canImport(Glibc)
import Glibc
#endif

/// The configuration parsed from `text`, or the test fails.
private func config(_ text: String) throws -> SyncConfiguration {
    try SyncConfiguration.parse(toml: text)
}

/// The error parsing `text` throws; nil if it is accepted.
private func configError(_ text: String) -> ConfigError? {
    do {
        _ = try SyncConfiguration.parse(toml: text)
        return nil
    } catch {
        return error
    }
}

@Suite struct ConfigLoadingTests {
    @Test func defaultsAreTheDesignCard() {
        let c = SyncConfiguration.defaults
        #expect(c.dsn == nil)
        #expect(c.sourceTable == "sessions")
        #expect(c.keyColumn == "session_id")
        #expect(c.dataColumn == "data")
        #expect(c.targetTable == "session_fields")
        #expect(c.errorsTable == "session_sync_errors")
        #expect(c.channel == "session_syncd")
        #expect(c.jsonColumn == nil)
        #expect(c.daemonRole == nil)
        #expect(c.columns == [
            ColumnMapping(name: "uid", path: ["uid"], type: .integer, references: ForeignKeyReference(table: "users", column: "id"), nullValues: [.int(0)]),
            ColumnMapping(name: "current_page", path: ["current_page"], type: .text),
            ColumnMapping(name: "user_role", path: ["user_role"], type: .text),
        ])
        #expect(c.batch == BatchSettings(batchSize: 500, batchDelay: .milliseconds(2), catchupBatchSize: 1000, maxRetries: 3))
        #expect(c.listen == ListenSettings(heartbeat: .seconds(10), reconnectInitial: .milliseconds(100), reconnectMax: .seconds(30)))
        #expect(c.log == LogSettings(format: .logfmt, level: .info, statsInterval: .seconds(60)))
        #expect(c.limits == PickleLimits.default)
    }

    @Test func emptyFileGivesDefaults() throws {
        #expect(try config("") == SyncConfiguration.defaults)
        #expect(try config("[database]\n[source]\n[target]\n[sync]\n[listen]\n[log]\n[limits]\n") == SyncConfiguration.defaults)
    }

    @Test func contractExample() throws {
        let c = try config("""
            [database]
            dsn = "host=/run/postgresql dbname=app user=session_syncd"
            [source]
            table = "sessions"
            [target]
            json_column = "session_json"
            daemon_role = "session_syncd"
            [sync]
            batch_size = 500
            [log]
            format = "json"
            [[column]]
            name = "email"
            path = "user.email"
            type = "text"
            max_length = 320
            """)
        var expected = SyncConfiguration.defaults
        expected.dsn = "host=/run/postgresql dbname=app user=session_syncd"
        expected.jsonColumn = "session_json"
        expected.daemonRole = "session_syncd"
        expected.log.format = .json
        expected.columns.append(ColumnMapping(name: "email", path: ["user", "email"], type: .text, maxLength: 320))
        #expect(c == expected)
    }

    @Test func everySectionIsRead() throws {
        let c = try config("""
            [source]
            table = "app.sessions"
            key_column = "sid"
            data_column = "payload"
            [target]
            table = "app.session_fields"
            errors_table = "app.errors"
            channel = "my_channel"
            json_max_bytes = 12
            [sync]
            batch_size = 10
            batch_delay_ms = 0
            catchup_batch_size = 5000
            max_retries = 0
            [listen]
            heartbeat_s = 2.5
            reconnect_initial_ms = 50
            reconnect_max_s = 5
            [log]
            level = "debug"
            stats_interval_s = 0
            [limits]
            max_input_bytes = 1_000
            max_opcodes = 2
            max_stack_depth = 3
            max_mark_depth = 4
            max_memo_entries = 5
            max_decoded_bytes = 6
            max_container_elements = 7
            max_integer_digits = 8
            max_nesting_depth = 9
            json_bytes_per_input_byte = 10
            min_json_bytes = 11
            """)
        #expect(c.sourceTable == "app.sessions")
        #expect(c.keyColumn == "sid")
        #expect(c.dataColumn == "payload")
        #expect(c.targetTable == "app.session_fields")
        #expect(c.errorsTable == "app.errors")
        #expect(c.channel == "my_channel")
        #expect(c.jsonMaxBytes == 12)
        #expect(c.batch == BatchSettings(batchSize: 10, batchDelay: .zero, catchupBatchSize: 5000, maxRetries: 0))
        #expect(c.listen == ListenSettings(heartbeat: .milliseconds(2500), reconnectInitial: .milliseconds(50), reconnectMax: .seconds(5)))
        #expect(c.log == LogSettings(format: .logfmt, level: .debug, statsInterval: .zero))
        #expect(c.limits == PickleLimits(maxInputBytes: 1000, maxOpcodes: 2, maxStackDepth: 3, maxMarkDepth: 4, maxMemoEntries: 5,
                                         maxDecodedBytes: 6, maxContainerElements: 7, maxIntegerDigits: 8, maxNestingDepth: 9,
                                         jsonBytesPerInputByte: 10, minJSONBytes: 11))
    }

    @Test func logLevels() throws {
        for level in Logger.Level.allCases {
            #expect(try config("[log]\nlevel = \"\(level.rawValue)\"").log.level == level)
        }
        #expect(try config("[log]\nlevel = \"warn\"").log.level == .warning)
        #expect(configError("[log]\nlevel = \"loud\"")?.code == .invalidValue)
        #expect(configError("[log]\nformat = \"xml\"")?.code == .invalidValue)
    }

    @Test func feedIsNotifyByDefaultQueueOnRequestAndNothingElse() throws {
        #expect(try config("").feed == FeedSettings(kind: .notify, pollInterval: .milliseconds(2)))
        #expect(try config("[source]\nfeed = \"queue\"\nqueue_poll_ms = 0.5").feed == FeedSettings(kind: .queue, pollInterval: .microseconds(500)))
        #expect(try config("[source]\nfeed = \"notify\"").feed.kind == .notify)
        let e = configError("[source]\nfeed = \"poll\"")
        #expect(e?.code == .invalidValue)
        #expect(e?.key == "source.feed")
        #expect(e.map { !$0.description.contains("poll\"") } == true, "the value is never printed")
        #expect(configError("[source]\nfeed = 1")?.code == .wrongType)
        #expect(configError("[source]\nqueue_poll_ms = 0")?.code == .invalidValue)
        #expect(configError("[source]\nqueue_poll_ms = 6")?.code == .invalidValue)
        #expect(configError("[source]\nqueue_pol_ms = 2")?.code == .unknownKey)
    }

    // MARK: columns

    @Test func columnEntriesOverrideDefaultsInPlaceAndAppendOthers() throws {
        let c = try config("""
            [[column]]
            name = "lang"
            path = ["prefs", "ui.lang"]
            [[column]]
            name = "uid"
            type = "bigint"
            references = "app.accounts(account_id)"
            null_values = [0, -1]
            """)
        #expect(c.columns.map(\.name) == ["uid", "current_page", "user_role", "lang"])
        #expect(c.columns[0] == ColumnMapping(name: "uid", path: ["uid"], type: .bigint,
                                              references: ForeignKeyReference(table: "app.accounts", column: "account_id"),
                                              nullValues: [.int(0), .int(-1)]))
        #expect(c.columns[3].path == ["prefs", "ui.lang"])
        #expect(c.columns[3].type == .text)
    }

    @Test func defaultColumnsCanBeDropped() throws {
        let c = try config("""
            [target]
            default_columns = false
            [[column]]
            name = "logged_in"
            type = "boolean"
            null_values = [false]
            """)
        #expect(c.columns == [ColumnMapping(name: "logged_in", type: .boolean, nullValues: [.bool(false)])])
        #expect(try config("[target]\ndefault_columns = false").columns.isEmpty)
    }

    @Test func everyColumnTypeIsAccepted() throws {
        for type in ColumnType.allCases {
            let c = try config("[target]\ndefault_columns = false\n[[column]]\nname = \"c\"\ntype = \"\(type.rawValue)\"")
            #expect(c.columns.first?.type == type)
        }
        #expect(configError("[[column]]\nname = \"c\"\ntype = \"varchar\"")?.code == .invalidValue)
    }

    @Test func nullValuesAreTypedPerColumn() throws {
        let c = try config("""
            [[column]]
            name = "role"
            null_values = ["", "anonymous"]
            [[column]]
            name = "score"
            type = "double precision"
            null_values = [0]
            """)
        #expect(c.columns[3].nullValues == [.string(""), .string("anonymous")])
        #expect(c.columns[4].nullValues == [.int(0)])
        let e = configError("[[column]]\nname = \"n\"\ntype = \"integer\"\nnull_values = [\"0\"]")
        #expect(e?.code == .wrongType)
        #expect(e?.key == "column[1].null_values")
        #expect(configError("[[column]]\nname = \"b\"\ntype = \"boolean\"\nnull_values = [0]")?.code == .wrongType)
        #expect(configError("[[column]]\nname = \"t\"\nnull_values = [0]")?.code == .wrongType)
        #expect(configError("[[column]]\nname = \"t\"\nnull_values = 0")?.code == .wrongType)
    }

    @Test func columnValidation() {
        #expect(configError("[[column]]\npath = \"x\"")?.code == .missingKey)
        #expect(configError("[[column]]\nname = \"bad name\"")?.code == .invalidIdentifier)
        #expect(configError("[[column]]\nname = \"1st\"")?.code == .invalidIdentifier)
        #expect(configError("[[column]]\nname = \"x;drop\"")?.code == .invalidIdentifier)
        #expect(configError("[[column]]\nname = \"\(String(repeating: "a", count: 64))\"")?.code == .invalidIdentifier)
        #expect(configError("[[column]]\nname = \"\(String(repeating: "a", count: 63))\"") == nil)
        #expect(configError("[[column]]\nname = \"x\"\npath = \"a..b\"")?.code == .invalidValue)
        #expect(configError("[[column]]\nname = \"x\"\npath = \"\"")?.code == .invalidValue)
        #expect(configError("[[column]]\nname = \"x\"\npath = [1]")?.code == .wrongType)
        #expect(configError("[[column]]\nname = \"x\"\npath = 1")?.code == .wrongType)
        #expect(configError("[[column]]\nname = \"x\"\ntype = \"integer\"\nmax_length = 5")?.code == .invalidValue)
        #expect(configError("[[column]]\nname = \"x\"\nmax_length = 0")?.code == .invalidValue)
        #expect(configError("column = 1")?.code == .wrongType)
        #expect(configError("column = [1]")?.code == .wrongType)
    }

    @Test func requiredIsABooleanThatDefaultsToFalse() throws {
        #expect(SyncConfiguration.defaults.columns.allSatisfy { !$0.required })
        #expect(ColumnMapping(name: "x").required == false)
        let c = try config("""
            [[column]]
            name = "cart_total"
            type = "numeric"
            [[column]]
            name = "uid"
            type = "integer"
            references = "users(id)"
            null_values = [0]
            required = true
            [[column]]
            name = "email"
            path = "user.email"
            required = false
            """)
        #expect(c.columns.map(\.name) == ["uid", "current_page", "user_role", "cart_total", "email"])
        #expect(c.columns.map(\.required) == [true, false, false, false, false])
        #expect(c.columns[0] == ColumnMapping(name: "uid", type: .integer, references: ForeignKeyReference(table: "users", column: "id"),
                                              nullValues: [.int(0)], required: true))
        #expect(c.columns[3] == ColumnMapping(name: "cart_total", type: .numeric))

        let e = configError("[[column]]\nname = \"x\"\nrequired = \"yes\"")
        #expect(e?.code == .wrongType)
        #expect(e?.key == "column[1].required")
        #expect(e?.line == 3)
        #expect(e?.detail == "expected a boolean (true or false), found a string")
        #expect(e?.description.contains("yes") == false, "errors never show a value")
        #expect(configError("[[column]]\nname = \"x\"\nrequired = 1")?.code == .wrongType)
        #expect(configError("[[column]]\nname = \"x\"\nrequired = [true]")?.code == .wrongType)
        let typo = configError("[[column]]\nname = \"x\"\nrequird = true")
        #expect(typo?.code == .unknownKey)
        #expect(typo?.key == "column[1].requird")
        #expect(typo?.description.contains("required") == true, "the message lists the allowed keys")
    }

    @Test(arguments: ["users", "users(id", "users()", "(id)", "a.b.c(id)", "users(id;x)", "us ers(id)", "users(i d)"])
    func malformedReferences(_ text: String) {
        let e = configError("[[column]]\nname = \"x\"\nreferences = \"\(text)\"")
        #expect(e?.code == .invalidValue)
        #expect(e?.key == "column[1].references")
    }

    @Test func referencesParse() {
        #expect(ForeignKeyReference(parsing: "users(id)") == ForeignKeyReference(table: "users", column: "id"))
        #expect(ForeignKeyReference(parsing: "app.users(id)") == ForeignKeyReference(table: "app.users", column: "id"))
        #expect(ForeignKeyReference(parsing: "users ( id )") == ForeignKeyReference(table: "users", column: "id"))
        #expect(ForeignKeyReference(table: "app.users", column: "id").text == "app.users(id)")
    }

    @Test(arguments: ["session_id", "data_hash", "synced_at", "mapping_hash"])
    func reservedNamesAreRefused(_ name: String) {
        let e = configError("[[column]]\nname = \"\(name)\"")
        #expect(e?.code == .reservedName)
        #expect(e?.key == "column[1].name")
        #expect(e?.line == 2)
    }

    @Test func theKeyColumnNameIsReservedWhateverItIs() throws {
        #expect(configError("[source]\nkey_column = \"sid\"\n[[column]]\nname = \"sid\"")?.code == .reservedName)
        #expect(try config("[source]\nkey_column = \"sid\"\n[[column]]\nname = \"session_id\"").columns.count == 4)
        let e = configError("[source]\nkey_column = \"uid\"")
        #expect(e?.code == .reservedName)
        #expect(e?.key == "source.key_column")
        #expect(try config("[source]\nkey_column = \"uid\"\n[target]\ndefault_columns = false").keyColumn == "uid")
    }

    @Test func theThreeTablesMustDiffer() {
        #expect(configError("[target]\ntable = \"sessions\"")?.code == .invalidValue)
        #expect(configError("[target]\nerrors_table = \"public.session_fields\"")?.code == .invalidValue)
        #expect(configError("[source]\ntable = \"app.sessions\"\n[target]\ntable = \"sessions\"") == nil)
    }

    @Test func duplicateColumnNamesAreRefused() {
        let e = configError("[[column]]\nname = \"a\"\n[[column]]\nname = \"a\"")
        #expect(e?.code == .duplicateColumn)
        #expect(e?.key == "column[2].name")
        #expect(e?.line == 4)
        #expect(configError("[target]\njson_column = \"uid\"")?.code == .reservedName)
        #expect(configError("[target]\njson_column = \"synced_at\"")?.code == .reservedName)
    }

    // MARK: key and type errors

    @Test func unknownKeysAreNamedWithTheirPosition() {
        let e = configError("[sync]\nbatch_size = 10\nbatch_sise = 20\n")
        #expect(e?.code == .unknownKey)
        #expect(e?.key == "sync.batch_sise")
        #expect(e?.line == 3)
        #expect(e?.column == 1)
        #expect(e?.description.contains("batch_size") == true, "the message lists the allowed keys")
        #expect(configError("[databse]\ndsn = \"x\"")?.key == "databse")
        #expect(configError("dsn = \"x\"")?.key == "dsn")
        #expect(configError("[[column]]\nname = \"a\"\nnull_value = [0]")?.key == "column[1].null_value")
        #expect(configError("[database.extra]\nx = 1")?.key == "database.extra")
        #expect(configError("[limits]\nmax_bytes = 1")?.key == "limits.max_bytes")
    }

    @Test func wrongTypesAreNamed() {
        let e = configError("[sync]\nbatch_size = \"500\"")
        #expect(e?.code == .wrongType)
        #expect(e?.key == "sync.batch_size")
        #expect(e?.detail == "expected an integer, found a string")
        #expect(configError("[database]\ndsn = 5")?.code == .wrongType)
        #expect(configError("database = 5")?.code == .wrongType)
        #expect(configError("[target]\ndefault_columns = \"no\"")?.code == .wrongType)
        #expect(configError("[listen]\nheartbeat_s = \"10\"")?.code == .wrongType)
    }

    @Test func rangesAreChecked() {
        #expect(configError("[sync]\nbatch_size = 0")?.code == .invalidValue)
        #expect(configError("[sync]\nbatch_delay_ms = -1")?.code == .invalidValue)
        #expect(configError("[sync]\nmax_retries = -1")?.code == .invalidValue)
        #expect(configError("[listen]\nheartbeat_s = 0")?.code == .invalidValue)
        #expect(configError("[listen]\nheartbeat_s = nan")?.code == .invalidValue)
        #expect(configError("[listen]\nheartbeat_s = inf")?.code == .invalidValue)
        #expect(configError("[listen]\nreconnect_initial_ms = 5000\nreconnect_max_s = 1")?.code == .invalidValue)
        #expect(configError("[limits]\nmax_opcodes = 0")?.code == .invalidValue)
    }

    @Test func identifiersAreValidated() {
        #expect(configError("[source]\ntable = \"sessions; drop table users\"")?.code == .invalidIdentifier)
        #expect(configError("[source]\ntable = \"a.b.c\"")?.code == .invalidIdentifier)
        #expect(configError("[source]\ntable = \".sessions\"")?.code == .invalidIdentifier)
        #expect(configError("[source]\nkey_column = \"a.b\"")?.code == .invalidIdentifier)
        #expect(configError("[target]\nchannel = \"with space\"")?.code == .invalidIdentifier)
        #expect(configError("[target]\ndaemon_role = \"x\\\"y\"")?.code == .invalidIdentifier)
        #expect(configError("[target]\njson_column = \"\"")?.code == .invalidIdentifier)
        #expect(SQLIdentifier.isValid("_x1"))
        #expect(SQLIdentifier.isValid("Sessions"))
        #expect(!SQLIdentifier.isValid("é"))
        #expect(SQLIdentifier.isValidQualified("app.sessions"))
    }

    /// The dsn may hold a password: no error about it may show it.
    @Test func errorsNeverShowTheDSN() {
        let cases = [
            "[database]\ndsn = \"password=s3cret\"\ndsn = \"password=s3cret\"",
            "[database]\ndsn = [\"password=s3cret\"]",
            "[database]\ndsn = \"password=s3cret\"\npassword = \"s3cret\"",
            "[sync]\nbatch_size = \"s3cret\"",
            "[[column]]\nname = \"s3cret x\"",
            "[[column]]\nname = \"x\"\nreferences = \"s3cret\"",
            "[[column]]\nname = \"x\"\npath = \"s3cret..\"",
            "[log]\nlevel = \"s3cret\"",
        ]
        for text in cases {
            let e = configError(text)
            #expect(e != nil)
            #expect(e?.description.contains("s3cret") == false, "\(String(describing: e))")
        }
    }

    // MARK: files, conninfo, fingerprint

    @Test func loadReadsAFileAndNamesItInErrors() throws {
        let dir = String(cString: mkdtemp(strdup("/tmp/syncd-config-XXXXXX")!))
        let path = dir + "/config.toml"
        defer { unlink(path); rmdir(dir) }
        let good = "[sync]\nbatch_size = 7\n"
        #expect(writeFile(path, good))
        #expect(try SyncConfiguration.load(path: path).batch.batchSize == 7)

        #expect(writeFile(path, "[sync]\nbatch_size = true\n"))
        do {
            _ = try SyncConfiguration.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.description.hasPrefix("config: \(path):2:1: wrong-type: key 'sync.batch_size'"))
        }
        do {
            _ = try SyncConfiguration.load(path: dir + "/missing.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.description.contains("missing.toml"))
        }
    }

    @Test func conninfoPrecedence() {
        var c = SyncConfiguration.defaults
        #expect(SyncConfiguration.resolve(dsnFlag: nil, config: c) == "")
        c.dsn = "dbname=fromfile"
        #expect(SyncConfiguration.resolve(dsnFlag: nil, config: c) == "dbname=fromfile")
        #expect(SyncConfiguration.resolve(dsnFlag: "postgresql://flag/db", config: c) == "postgresql://flag/db")
        #expect(SyncConfiguration.resolve(dsnFlag: "", config: c) == "")
    }

    @Test func mappingFingerprintIsStableAndSensitive() throws {
        let base = SyncConfiguration.defaults
        #expect(base.mappingFingerprint.count == 16)
        #expect(base.mappingFingerprint == SyncConfiguration().mappingFingerprint)
        // Fixed value: the fingerprint must not change between releases for the same mapping.
        #expect(base.mappingFingerprint == fnv1a64Hex(base.mappingCanonicalText))

        var other = base
        other.batch.batchSize = 1
        other.dsn = "x"
        #expect(other.mappingFingerprint == base.mappingFingerprint, "non-mapping settings do not matter")

        var variants: [SyncConfiguration] = []
        var v = base; v.jsonColumn = "session_json"; variants.append(v)
        v = base; v.columns[0].type = .bigint; variants.append(v)
        v = base; v.columns[0].nullValues = []; variants.append(v)
        v = base; v.columns[0].references = nil; variants.append(v)
        v = base; v.columns[1].path = ["page"]; variants.append(v)
        v = base; v.columns[1].maxLength = 10; variants.append(v)
        v = base; v.columns[0].required = true; variants.append(v)
        v = base; v.columns[2].required = true; variants.append(v)
        v = base; v.columns.swapAt(1, 2); variants.append(v)
        v = base; v.columns.append(ColumnMapping(name: "email", path: ["user", "email"])); variants.append(v)
        v = base; v.columns.append(ColumnMapping(name: "email", path: ["user.email"])); variants.append(v)
        let prints = Set(variants.map(\.mappingFingerprint) + [base.mappingFingerprint])
        #expect(prints.count == variants.count + 1)
    }
}

/// Independent FNV-1a 64 so the test pins the algorithm.
private func fnv1a64Hex(_ s: String) -> String {
    var h: UInt64 = 14_695_981_039_346_656_037
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

private func writeFile(_ path: String, _ text: String) -> Bool {
    guard let f = fopen(path, "w") else { return false }
    defer { fclose(f) }
    return fputs(text, f) >= 0
}
