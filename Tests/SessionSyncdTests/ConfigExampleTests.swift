import Testing
@testable import SessionSyncd

/// `#key = value` and `#[[column]]` lines (no space after `#`) are the example's optional settings.
private func uncommentingOptionalSettings(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
        if line.hasPrefix("#"), let next = line.dropFirst().first, next.isLetter || next == "[" { return line.dropFirst() }
        return line
    }.joined(separator: "\n")
}

/// Every key the configuration accepts, as `section.key` (`column.key` for `[[column]]` entries).
private let allKeys = [
    "database.dsn", "database.lock_timeout_ms", "database.statement_timeout_ms",
    "ha.enabled", "ha.poll_ms", "status.interval_s", "status.retention_s",
    "source.table", "source.key_column", "source.data_column", "source.feed", "source.queue_poll_ms",
    "target.table", "target.errors_table", "target.channel", "target.default_columns", "target.json_column", "target.json_max_bytes", "target.daemon_role",
    "sync.batch_size", "sync.batch_delay_ms", "sync.catchup_batch_size", "sync.max_retries", "sync.max_pending_notifications",
    "listen.heartbeat_s", "listen.reconnect_initial_ms", "listen.reconnect_max_s",
    "log.format", "log.level", "log.stats_interval_s",
    "column.name", "column.path", "column.type", "column.max_length", "column.null_values", "column.references", "column.required",
] + PickleLimitsKeys.all.map { "limits." + $0.key }

/// `section.key` for every key in a parsed document.
private func keys(of table: TOMLTable) -> Set<String> {
    var out: Set<String> = []
    for section in table.keys {
        switch table[section] {
        case .table(let t)?: for k in t.keys { out.insert(section + "." + k) }
        case .array(let items)?:
            for case .table(let t) in items { for k in t.keys { out.insert(section + "." + k) } }
        default: out.insert(section)
        }
    }
    return out
}

@Suite struct ConfigExampleTests {
    /// deploy/config.example.toml shows the defaults: parsed as shipped it must equal them exactly.
    @Test func exampleAsShippedEqualsTheDefaults() throws {
        let text = try ConfigTestSupport.readText("deploy/config.example.toml")
        #expect(try SyncConfiguration.parse(toml: text) == SyncConfiguration.defaults)
    }

    /// Its optional settings, uncommented, are valid and mean what the comments say.
    @Test func exampleOptionalSettingsAreValid() throws {
        let text = uncommentingOptionalSettings(try ConfigTestSupport.readText("deploy/config.example.toml"))
        var expected = SyncConfiguration.defaults
        expected.dsn = "host=/run/postgresql dbname=app user=session_syncd"
        expected.jsonColumn = "session_json"
        expected.daemonRole = "session_syncd"
        expected.columns.append(ColumnMapping(name: "email", path: ["user", "email"], type: .text,
                                              references: ForeignKeyReference(table: "users", column: "email"),
                                              nullValues: [.string("")], maxLength: 320, required: true))
        #expect(try SyncConfiguration.parse(toml: text) == expected)
    }

    /// Every key appears in the example (set or as an optional setting), and nothing else does.
    @Test func exampleShowsEveryKey() throws {
        let text = uncommentingOptionalSettings(try ConfigTestSupport.readText("deploy/config.example.toml"))
        #expect(keys(of: try TOMLReader.parse(text)) == Set(allKeys))
    }

    /// Every key is documented in README.md's configuration reference.
    @Test func configurationReferenceDocumentsEveryKey() throws {
        let doc = try ConfigTestSupport.readText("README.md")
        for key in allKeys {
            let section = String(key.split(separator: ".")[0])
            let name = String(key.split(separator: ".")[1])
            #expect(doc.contains("| `\(name)` |"), "README.md lacks a row for \(key)")
            #expect(doc.contains(section == "column" ? "[[column]]" : "[\(section)]"))
        }
    }

    /// The unit starts what the daemon expects and reloads with SIGHUP.
    @Test func systemdUnitRunsTheDaemonWithTheConfig() throws {
        let unit = try ConfigTestSupport.readText("deploy/session-syncd.service")
        #expect(unit.contains("\nExecStart=/usr/local/bin/session-syncd run --config /etc/session-syncd/config.toml\n"))
        #expect(unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"))
        #expect(unit.contains("\nRestart=on-failure\n"))
    }
}
