import Foundation
import PGListen

/// One row of `session_syncd.instance_status`, as this instance writes it through
/// `session_syncd.report_status()` (sql/06-status.sql).
struct StatusReport: Sendable, Equatable {
    /// The row's role: the instance's ``InstanceRole/Role``, or `stopped` after a clean shutdown.
    enum Role: String, Sendable {
        case active
        case standby
        case stopped
    }

    var identity: InstanceIdentity
    /// The target table, quoted and qualified as the daemon names it.
    var target: String
    var channel: String
    var role: Role
    /// When the role last changed (nil: not since start).
    var roleSince: Date?
    /// Seconds between two rows.
    var intervalSeconds: Double
    /// Seconds after which any instance's write deletes a silent row.
    var retentionSeconds: Double
    /// The instance's connections to the database are up.
    var connected: Bool
    /// Since start.
    var totals: DaemonStats.Totals
    /// The last status interval's figures (lag percentiles).
    var interval: LagStats.Snapshot
    var lastNotificationAt: Date?
    /// Sessions waiting in this instance (notify feed: the batcher's ids); nil when not known.
    var backlog: Int?
    /// Why this instance cannot work, if it knows (one line, e.g. a hot standby).
    var warning: String?

    /// The statement; parameters are ``parameters``.
    static let sql = """
        SELECT session_syncd.report_status($1::uuid, $2::text, $3::text, $4::text, $5::integer, $6::text, $7::text,
          to_timestamp($8::double precision), to_timestamp($9::double precision), $10::double precision, $11::boolean,
          $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::double precision, $17::double precision,
          $18::double precision, to_timestamp($19::double precision), $20::bigint, $21::text, $22::double precision)
        """

    var parameters: [PGValue?] {
        func epoch(_ d: Date?) -> PGValue? { d.map { .text(String($0.timeIntervalSince1970)) } }
        func ms(_ d: Duration?) -> PGValue? { d.map { .text(StatsLine.milliseconds($0)) } }
        return [
            .text(identity.id.uuidString), .text(target), .text(channel), .text(identity.host), .text(String(identity.pid)),
            .text(identity.version), .text(role.rawValue), epoch(roleSince), epoch(identity.startedAt),
            .text(String(intervalSeconds)), .text(connected ? "true" : "false"),
            .text(String(totals.synced)), .text(String(totals.errors)), .text(String(totals.batches)),
            .text(String(interval.lagSamples)), ms(interval.lagP50), ms(interval.lagP99), ms(interval.lagMax),
            epoch(lastNotificationAt), backlog.map { .text(String($0)) }, warning.map { .text($0) },
            .text(String(retentionSeconds)),
        ]
    }
}
