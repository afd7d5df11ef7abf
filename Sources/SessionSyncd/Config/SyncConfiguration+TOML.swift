import Logging
import PickleCodec

extension SyncConfiguration {
    /// Loads and validates a TOML configuration file; keys that are absent keep their defaults.
    /// - Parameter path: the file, e.g. `/etc/session-syncd/config.toml`.
    /// - Returns: the configuration.
    /// - Throws: `ConfigError` with the file, line:column and key; never a value from the file.
    static func load(path: String) throws(ConfigError) -> SyncConfiguration {
        let bytes = try ConfigFileReader.contents(of: path)
        do {
            return try parse(bytes: bytes)
        } catch {
            var e = error
            e.file = path
            throw e
        }
    }

    /// Parses and validates TOML text (see ``load(path:)``).
    static func parse(toml text: String) throws(ConfigError) -> SyncConfiguration {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses and validates TOML bytes (see ``load(path:)``).
    static func parse(bytes: [UInt8]) throws(ConfigError) -> SyncConfiguration {
        try SyncConfiguration(toml: TOMLReader.parse(bytes: bytes), locator: TOMLKeyLocator(bytes: bytes))
    }

    /// Builds a configuration from a parsed TOML document.
    /// - Parameters:
    ///   - root: the document's root table.
    ///   - locator: the document's text, to say where an offending key is.
    /// - Throws: `ConfigError` for unknown keys, wrong types, invalid identifiers, reserved or duplicate columns.
    init(toml root: TOMLTable, locator: TOMLKeyLocator) throws(ConfigError) {
        self.init()
        var r = ConfigTableReader(root, path: TOMLKeyPath(), locator: locator)

        if var t = try r.table("database") {
            dsn = try t.string("dsn")
            timeouts.lockTimeout = try t.duration("lock_timeout_ms", unitNanoseconds: 1e6, allowZero: true) ?? timeouts.lockTimeout
            timeouts.statementTimeout = try t.duration("statement_timeout_ms", unitNanoseconds: 1e6, allowZero: true) ?? timeouts.statementTimeout
            try t.finish()
        }
        if var t = try r.table("source") {
            sourceTable = try t.tableName("table") ?? sourceTable
            keyColumn = try t.identifier("key_column") ?? keyColumn
            dataColumn = try t.identifier("data_column") ?? dataColumn
            if let f = try t.string("feed") {
                guard let kind = FeedSettings.Kind(rawValue: f) else {
                    throw t.error(.invalidValue, "feed", "must be \"notify\" or \"queue\"")
                }
                feed.kind = kind
            }
            if let poll = try t.duration("queue_poll_ms", unitNanoseconds: 1e6, allowZero: false) {
                guard poll <= FeedSettings.pollIntervalMax else {
                    throw t.error(.invalidValue, "queue_poll_ms", "must be greater than 0 and at most 5")
                }
                feed.pollInterval = poll
            }
            try t.finish()
        }
        var defaultColumns = true
        var targetReader: ConfigTableReader?
        if var t = try r.table("target") {
            targetTable = try t.tableName("table") ?? targetTable
            errorsTable = try t.tableName("errors_table") ?? errorsTable
            channel = try t.identifier("channel") ?? channel
            jsonColumn = try t.identifier("json_column")
            jsonMaxBytes = try t.integer("json_max_bytes", in: 1...Int.max) ?? jsonMaxBytes
            daemonRole = try t.identifier("daemon_role")
            defaultColumns = try t.bool("default_columns") ?? true
            try t.finish()
            targetReader = t
        }
        if var t = try r.table("sync") {
            batch.batchSize = try t.integer("batch_size", in: 1...1_000_000) ?? batch.batchSize
            batch.batchDelay = try t.duration("batch_delay_ms", unitNanoseconds: 1e6, allowZero: true) ?? batch.batchDelay
            batch.catchupBatchSize = try t.integer("catchup_batch_size", in: 1...1_000_000) ?? batch.catchupBatchSize
            batch.maxRetries = try t.integer("max_retries", in: 0...1000) ?? batch.maxRetries
            batch.maxPendingNotifications = try t.integer("max_pending_notifications", in: 1...10_000_000) ?? batch.maxPendingNotifications
            try t.finish()
        }
        if var t = try r.table("listen") {
            listen.heartbeat = try t.duration("heartbeat_s", unitNanoseconds: 1e9, allowZero: false) ?? listen.heartbeat
            listen.reconnectInitial = try t.duration("reconnect_initial_ms", unitNanoseconds: 1e6, allowZero: false) ?? listen.reconnectInitial
            listen.reconnectMax = try t.duration("reconnect_max_s", unitNanoseconds: 1e9, allowZero: false) ?? listen.reconnectMax
            if listen.reconnectMax < listen.reconnectInitial {
                throw t.error(.invalidValue, "reconnect_max_s", "must not be shorter than reconnect_initial_ms")
            }
            try t.finish()
        }
        if var t = try r.table("log") {
            if let f = try t.string("format") {
                guard let format = LogSettings.Format(rawValue: f) else {
                    throw t.error(.invalidValue, "format", "must be \"logfmt\" or \"json\"")
                }
                log.format = format
            }
            if let l = try t.string("level") {
                guard let level = Self.logLevel(named: l) else {
                    throw t.error(.invalidValue, "level", "must be one of trace, debug, info, notice, warning, error, critical")
                }
                log.level = level
            }
            log.statsInterval = try t.duration("stats_interval_s", unitNanoseconds: 1e9, allowZero: true) ?? log.statsInterval
            try t.finish()
        }
        if var t = try r.table("ha") {
            ha.enabled = try t.bool("enabled") ?? ha.enabled
            if let poll = try t.duration("poll_ms", unitNanoseconds: 1e6, allowZero: false) {
                guard poll >= .milliseconds(10), poll <= HASettings.pollIntervalMax else {
                    throw t.error(.invalidValue, "poll_ms", "must be between 10 and 10000")
                }
                ha.pollInterval = poll
            }
            try t.finish()
        }
        if var t = try r.table("status") {
            if let interval = try t.duration("interval_s", unitNanoseconds: 1e9, allowZero: true) {
                guard interval <= StatusSettings.intervalMax else {
                    throw t.error(.invalidValue, "interval_s", "must be between 0 (no status row) and 300")
                }
                status.interval = interval
            }
            status.retention = try t.duration("retention_s", unitNanoseconds: 1e9, allowZero: false) ?? status.retention
            try t.finish()
        }
        if var t = try r.table("limits") {
            for (key, field) in PickleLimitsKeys.all {
                if let n = try t.integer(key, in: 1...Int.max) { limits[keyPath: field] = n }
            }
            try t.finish()
        }
        let reserved = Self.reservedColumnNames.union([keyColumn])
        columns = try Self.columns(&r, defaults: defaultColumns ? ColumnMapping.defaults : [], reserved: reserved)
        try r.finish()
        try validateNames(reserved: reserved, target: targetReader)
    }

    /// swift-log level names, plus the common alias `warn`.
    static func logLevel(named name: String) -> Logger.Level? {
        name == "warn" ? .warning : Logger.Level(rawValue: name)
    }

    /// The defaults, then each `[[column]]` entry: a default of the same name is replaced in place,
    /// others are appended in file order.
    private static func columns(_ r: inout ConfigTableReader, defaults: [ColumnMapping], reserved: Set<String>) throws(ConfigError) -> [ColumnMapping] {
        var columns = defaults
        guard let v = r.value("column") else { return columns }
        guard case .array(let entries) = v else {
            throw r.error(.wrongType, "column", "expected an array of tables ([[column]]), found \(v.typeName)")
        }
        var fromFile: Set<String> = []
        for (i, entry) in entries.enumerated() {
            guard case .table(let table) = entry else {
                throw r.error(.wrongType, "column", "expected an array of tables ([[column]]), found an array holding \(entry.typeName)")
            }
            var t = ConfigTableReader(table, path: TOMLKeyPath().appending("column").appending(index: i), locator: r.locator)
            let mapping = try ColumnMapping(reading: &t)
            if reserved.contains(mapping.name) {
                throw t.error(.reservedName, "name", "the name is reserved for session_fields' own columns (the key column, data_hash, synced_at, mapping_hash)")
            }
            guard fromFile.insert(mapping.name).inserted else {
                throw t.error(.duplicateColumn, "name", "another [[column]] already has this name")
            }
            if let existing = columns.firstIndex(where: { $0.name == mapping.name }) {
                columns[existing] = mapping
            } else {
                columns.append(mapping)
            }
        }
        return columns
    }

    /// What a single `[[column]]` cannot see: a default column colliding with the key column, the
    /// json column colliding with any column, and the three tables being distinct.
    private func validateNames(reserved: Set<String>, target: ConfigTableReader?) throws(ConfigError) {
        for c in columns where reserved.contains(c.name) {
            throw ConfigError(.reservedName, "the key column has the name of a default column; rename it or set [target] default_columns = false",
                              key: "source.key_column")
        }
        if let jsonColumn, reserved.contains(jsonColumn) || columns.contains(where: { $0.name == jsonColumn }) {
            throw target?.error(.reservedName, "json_column", "the name is already used by session_fields (its own columns or a mapped column)")
                ?? ConfigError(.reservedName, "the name is already used by session_fields", key: "target.json_column")
        }
        let tables = [sourceTable, targetTable, errorsTable].map(Self.unqualifiedIfPublic)
        if Set(tables).count != 3 {
            throw target?.error(.invalidValue, nil, "source table, target table and errors table must be three different tables")
                ?? ConfigError(.invalidValue, "source table, target table and errors table must be three different tables", key: "target")
        }
    }

    /// `public.x` and `x` name the same table under the default search_path.
    private static func unqualifiedIfPublic(_ name: String) -> String {
        name.hasPrefix("public.") ? String(name.dropFirst("public.".count)) : name
    }
}
