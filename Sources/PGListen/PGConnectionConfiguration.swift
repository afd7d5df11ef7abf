/// How to reach PostgreSQL and how long to wait for it.
///
/// Our defaults are passed to libpq *before* the operator's conninfo (with
/// `expand_dbname=1`), so anything the conninfo or URI says wins.
public struct PGConnectionConfiguration: Sendable {
    /// A libpq conninfo (`host=... dbname=...`) or URI (`postgresql://...`); multi-host
    /// lists are fine. Empty: libpq defaults and the PG* environment variables.
    public var conninfo: String
    /// `application_name`, shown in pg_stat_activity.
    public var applicationName: String
    /// Bound on establishing the connection (all hosts together), enforced by us.
    public var connectTimeout: Duration
    /// TCP keepalive idle time before the first probe.
    public var keepalivesIdle: Duration
    /// TCP keepalive interval between probes.
    public var keepalivesInterval: Duration
    /// TCP keepalive probes before the kernel declares the peer dead.
    public var keepalivesCount: Int
    /// `tcp_user_timeout`: bound on unacknowledged sent data; nil leaves libpq's default.
    public var tcpUserTimeout: Duration?
    /// Client-side bound on waiting for a query's results. On expiry the query is
    /// cancelled (best effort) and the connection is declared lost. nil = no bound
    /// (then only TCP keepalives/tcp_user_timeout detect a dead server).
    public var queryTimeout: Duration?
    /// Keywords passed *after* the conninfo, so they win over it (libpq keeps the last value of a
    /// repeated keyword): e.g. `target_session_attrs=read-write` for a connection that must write.
    /// Empty by default.
    public var overrides: [(keyword: String, value: String)] = []

    /// Creates a configuration.
    /// - Parameters:
    ///   - conninfo: conninfo or URI; default "" (libpq defaults + PG* environment).
    ///   - applicationName: default "session-syncd" (unless conninfo or PGAPPNAME sets one).
    ///   - connectTimeout: default 10 s (PGCONNECT_TIMEOUT, if set, is passed on to libpq too).
    ///   - keepalivesIdle: default 30 s (keepalives=1 always unless conninfo says otherwise).
    ///   - keepalivesInterval: default 10 s.
    ///   - keepalivesCount: default 3.
    ///   - tcpUserTimeout: default 30 s.
    ///   - queryTimeout: default 60 s.
    public init(
        conninfo: String = "",
        applicationName: String = "session-syncd",
        connectTimeout: Duration = .seconds(10),
        keepalivesIdle: Duration = .seconds(30),
        keepalivesInterval: Duration = .seconds(10),
        keepalivesCount: Int = 3,
        tcpUserTimeout: Duration? = .seconds(30),
        queryTimeout: Duration? = .seconds(60)
    ) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.keepalivesIdle = keepalivesIdle
        self.keepalivesInterval = keepalivesInterval
        self.keepalivesCount = keepalivesCount
        self.tcpUserTimeout = tcpUserTimeout
        self.queryTimeout = queryTimeout
    }

    /// The conninfo with every password replaced by `***` (key=value and URI forms).
    public var redactedConninfo: String { PGRedaction.redact(conninfo) }

    /// Keyword/value pairs for PQconnectStartParams: our defaults first, then
    /// `dbname=<conninfo>`, which libpq expands (expand_dbname=1) and lets override them.
    func libpqParameters(environment: (String) -> String?) -> [(String, String)] {
        var params: [(String, String)] = []
        if environment("PGAPPNAME") == nil {
            params.append(("application_name", applicationName))
        }
        params.append(("keepalives", "1"))
        params.append(("keepalives_idle", String(max(1, connectSeconds(keepalivesIdle)))))
        params.append(("keepalives_interval", String(max(1, connectSeconds(keepalivesInterval)))))
        params.append(("keepalives_count", String(max(1, keepalivesCount))))
        if let tcpUserTimeout {
            params.append(("tcp_user_timeout", String(max(0, tcpUserTimeout.milliseconds))))
        }
        if environment("PGCONNECT_TIMEOUT") == nil {
            params.append(("connect_timeout", String(max(2, connectSeconds(connectTimeout)))))
        }
        if !conninfo.isEmpty {
            params.append(("dbname", conninfo))
        }
        for o in overrides { params.append((o.keyword, o.value)) }
        return params
    }

    private func connectSeconds(_ d: Duration) -> Int {
        Int((d.milliseconds + 999) / 1000)
    }
}

extension Duration {
    /// Whole milliseconds (truncated), saturating.
    var milliseconds: Int64 {
        let (s, atto) = components
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        if overflow { return s < 0 ? .min : .max }
        return ms &+ atto / 1_000_000_000_000_000
    }
}
