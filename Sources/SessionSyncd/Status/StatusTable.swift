/// The human form of `session-syncd status`: a Nagios-style first line, then one aligned row per instance.
enum StatusTable {
    /// The first line: `OK: ...` or `CRITICAL: ...`.
    static func summary(_ result: StatusQuery.Result, maxAgeSeconds: Double?) -> String {
        let threshold = maxAgeSeconds.map { "older than \(StatsLine.decimal($0, places: 1)) s" } ?? "older than 3 intervals"
        guard let role = result.columns.firstIndex(of: "role"), let fresh = result.columns.firstIndex(of: "fresh"),
              let host = result.columns.firstIndex(of: "host"), let pid = result.columns.firstIndex(of: "pid"),
              let age = result.columns.firstIndex(of: "heartbeat_age_s"),
              let warning = result.columns.firstIndex(of: "warning") else { return "UNKNOWN" }
        if result.ok, let active = result.rows.first(where: { $0[role] == "active" && $0[fresh] == "t" && $0[warning] == nil }) {
            return "OK: active instance \(active[host] ?? "?") pid \(active[pid] ?? "?"), heartbeat \(active[age] ?? "?") s ago; "
                + "\(result.rows.count) instance(s)"
        }
        if result.rows.isEmpty { return "CRITICAL: no session-syncd instance has written a status row" }
        if let broken = result.rows.first(where: { $0[fresh] == "t" && $0[warning] != nil }) {
            // Active (or stuck before it could be) but it says why it cannot work: a hot standby, a pooler.
            return "CRITICAL: instance \(broken[host] ?? "?") pid \(broken[pid] ?? "?") (\(broken[role] ?? "?")) cannot work: "
                + "\(broken[warning] ?? "")"
        }
        let active = result.rows.filter { $0[role] == "active" }.count
        return active == 0
            ? "CRITICAL: no active instance (\(result.rows.count) instance(s), none active)"
            : "CRITICAL: the active instance's heartbeat is stale (\(threshold))"
    }

    /// Columns padded to their widest cell; NULL shows as `-`, booleans as yes/no.
    static func render(_ result: StatusQuery.Result) -> String {
        let booleans: Set<String> = ["fresh", "connected"]
        let cells = result.rows.map { row in
            row.enumerated().map { i, v -> String in
                guard let v else { return "-" }
                return booleans.contains(result.columns[i]) ? (v == "t" ? "yes" : "no") : v
            }
        }
        let all = [result.columns] + cells
        let widths = result.columns.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
