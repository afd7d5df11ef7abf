import Logging
import PickleCodec

/// Everything the daemon and its commands need to know, from the TOML file or the design card's defaults.
///
/// Load with ``load(path:)``; with no file at all use ``defaults``.
struct SyncConfiguration: Sendable {
    /// libpq conninfo or URI (`[database] dsn`); nil → `--dsn`, else libpq defaults and the PG* environment.
    var dsn: String?
    /// Server-side bounds on the daemon's sessions (`[database] lock_timeout_ms`, `statement_timeout_ms`).
    var timeouts: SessionTimeouts
    /// Table the web app writes (`[source] table`), optionally schema-qualified.
    var sourceTable: String
    /// Its key column (`[source] key_column`).
    var keyColumn: String
    /// Its column holding the base64 pickle, text or bytea (`[source] data_column`).
    var dataColumn: String
    /// The change feed (`[source] feed`, `queue_poll_ms`).
    var feed: FeedSettings
    /// The typed mirror (`[target] table`), optionally schema-qualified.
    var targetTable: String
    /// Table of per-session, per-column problems (`[target] errors_table`), optionally schema-qualified.
    var errorsTable: String
    /// NOTIFY/LISTEN channel (`[target] channel`).
    var channel: String
    /// Optional jsonb column holding the whole session as canonical JSON (`[target] json_column`).
    var jsonColumn: String?
    /// Largest canonical JSON written to the json column or a jsonb column (`[target] json_max_bytes`);
    /// a longer one is NULL plus an errors-table row.
    var jsonMaxBytes: Int
    /// Role that `install` grants least privilege to (`[target] daemon_role`).
    var daemonRole: String?
    /// Typed columns: the defaults (unless `[target] default_columns = false`) plus `[[column]]` entries;
    /// an entry with a default's name replaces it in place.
    var columns: [ColumnMapping]
    /// Batching (`[sync]`).
    var batch: BatchSettings
    /// LISTEN connection timing (`[listen]`).
    var listen: ListenSettings
    /// Logging (`[log]`).
    var log: LogSettings
    /// Resource bounds of the pickle decoder (`[limits]`).
    var limits: PickleLimits
    /// Leader election among instances (`[ha]`).
    var ha: HASettings
    /// The status table (`[status]`).
    var status: StatusSettings

    /// Creates a configuration.
    /// - Parameters:
    ///   - dsn: default nil (use `--dsn`, else libpq defaults + PG*).
    ///   - timeouts: default ``SessionTimeouts`` defaults (lock 5 s, statement 30 s).
    ///   - sourceTable: default `"sessions"`.
    ///   - keyColumn: default `"session_id"`.
    ///   - dataColumn: default `"data"`.
    ///   - feed: default ``FeedSettings`` defaults (`notify`).
    ///   - targetTable: default `"session_fields"`.
    ///   - errorsTable: default `"session_sync_errors"`.
    ///   - channel: default `"session_syncd"`.
    ///   - jsonColumn: default nil (no jsonb column).
    ///   - jsonMaxBytes: default 1 MiB (1_048_576).
    ///   - daemonRole: default nil (`install` grants nothing).
    ///   - columns: default ``ColumnMapping/defaults`` (uid, current_page, user_role).
    ///   - batch: default ``BatchSettings/init(batchSize:batchDelay:catchupBatchSize:maxRetries:)`` defaults.
    ///   - listen: default ``ListenSettings`` defaults.
    ///   - log: default ``LogSettings`` defaults.
    ///   - limits: default `PickleLimits.default`.
    ///   - ha: default ``HASettings`` defaults (enabled, a standby tries every second).
    ///   - status: default ``StatusSettings`` defaults (a status row every 5 s, dead instances' rows kept 1 h).
    init(dsn: String? = nil, timeouts: SessionTimeouts = SessionTimeouts(), sourceTable: String = "sessions", keyColumn: String = "session_id", dataColumn: String = "data",
         feed: FeedSettings = FeedSettings(),
         targetTable: String = "session_fields", errorsTable: String = "session_sync_errors", channel: String = "session_syncd",
         jsonColumn: String? = nil, jsonMaxBytes: Int = 1 << 20, daemonRole: String? = nil, columns: [ColumnMapping] = ColumnMapping.defaults,
         batch: BatchSettings = BatchSettings(), listen: ListenSettings = ListenSettings(), log: LogSettings = LogSettings(),
         limits: PickleLimits = .default, ha: HASettings = HASettings(), status: StatusSettings = StatusSettings()) {
        self.dsn = dsn
        self.timeouts = timeouts
        self.sourceTable = sourceTable
        self.keyColumn = keyColumn
        self.dataColumn = dataColumn
        self.feed = feed
        self.targetTable = targetTable
        self.errorsTable = errorsTable
        self.channel = channel
        self.jsonColumn = jsonColumn
        self.jsonMaxBytes = jsonMaxBytes
        self.daemonRole = daemonRole
        self.columns = columns
        self.batch = batch
        self.listen = listen
        self.log = log
        self.limits = limits
        self.ha = ha
        self.status = status
    }

    /// The design card: what every command uses when there is no configuration file.
    static let defaults = SyncConfiguration()

    /// Bookkeeping columns of session_fields that no mapped column may use (besides the key column).
    static let reservedColumnNames: Set<String> = ["data_hash", "synced_at", "mapping_hash"]
}
