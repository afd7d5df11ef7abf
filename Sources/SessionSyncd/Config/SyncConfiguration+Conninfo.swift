extension SyncConfiguration {
    /// The conninfo to connect with: `--dsn` if given, else the file's `dsn`, else `""`
    /// (libpq's defaults and the PG* environment variables, e.g. PGHOST, PGPASSFILE).
    /// - Parameters:
    ///   - dsnFlag: the `--dsn` option, nil when absent.
    ///   - config: the loaded configuration.
    /// - Returns: a conninfo string for libpq; never log it (it may hold a password).
    static func resolve(dsnFlag: String?, config: SyncConfiguration) -> String {
        if let dsnFlag { return dsnFlag }
        if let dsn = config.dsn { return dsn }
        return ""
    }
}
