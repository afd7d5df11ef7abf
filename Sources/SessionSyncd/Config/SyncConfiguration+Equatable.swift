import PickleCodec

extension SyncConfiguration: Equatable {
    /// Field-by-field equality; `limits` is compared by its fields so this does not depend on
    /// PickleLimits being Equatable.
    static func == (a: SyncConfiguration, b: SyncConfiguration) -> Bool {
        a.dsn == b.dsn && a.timeouts == b.timeouts && a.ha == b.ha && a.status == b.status && a.sourceTable == b.sourceTable && a.keyColumn == b.keyColumn && a.dataColumn == b.dataColumn
            && a.feed == b.feed
            && a.targetTable == b.targetTable && a.errorsTable == b.errorsTable && a.channel == b.channel
            && a.jsonColumn == b.jsonColumn && a.jsonMaxBytes == b.jsonMaxBytes && a.daemonRole == b.daemonRole && a.columns == b.columns
            && a.batch == b.batch && a.listen == b.listen && a.log == b.log
            && PickleLimitsKeys.values(a.limits) == PickleLimitsKeys.values(b.limits)
    }
}
