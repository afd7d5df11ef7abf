import Foundation
import PGListen
import Testing
@testable import SessionSyncd

/// Running the daemon tests once per change feed.
extension DaemonTestDatabase {
    /// `install` in-process for `feed` (otherwise the defaults).
    func install(feed: FeedSettings.Kind) async throws {
        try await install(SyncConfiguration(feed: FeedSettings(kind: feed)))
    }

    /// A configuration file selecting `feed`, plus `extra` TOML (sections other than `[source]`).
    func configFile(feed: FeedSettings.Kind, extra: String = "") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(feed.rawValue).toml")
        try "[source]\nfeed = \"\(feed.rawValue)\"\n\(extra)".write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Starts `session-syncd run` with `feed` (and `extra` TOML) and waits for its first catch-up.
    func startDaemon(feed: FeedSettings.Kind, extra: String = "") async throws -> DaemonProcess {
        try await startDaemon(config: configFile(feed: feed, extra: extra).path)
    }

    /// Entries in the queue feed's table of `sessions`.
    func queueEntries() async throws -> Int {
        Int(try await scalar("SELECT count(*) FROM session_syncd.queue_public_sessions") ?? "") ?? -1
    }

    /// Sessions that are neither in sync nor queued: what a lossy queue feed would leave (must be 0 at any moment).
    func lostSessions() async throws -> Int {
        Int(try await scalar("""
            SELECT count(*) FROM sessions s LEFT JOIN session_fields f USING (session_id)
            WHERE f.data_hash IS DISTINCT FROM session_syncd.data_hash(s.data)
              AND NOT EXISTS (SELECT 1 FROM session_syncd.queue_public_sessions q WHERE q.session_id = s.session_id)
            """) ?? "") ?? -1
    }

    /// After a run: everything in sync (verify), and with the queue feed an empty queue.
    func settled(feed: FeedSettings.Kind) async throws -> Bool {
        try await eventually(timeout: .seconds(30)) {
            guard try await verifyReport().ok else { return false }
            return feed == .notify ? true : try await queueEntries() == 0
        }
    }

    /// `writers` connections rewriting `keys` with changed data until `stop` is set (and each has written at
    /// least `minimum` times); returns the number of writes.
    func writeLoad(keys: [String], writers: Int = 4, atLeast minimum: Int = 5, until stop: ShutdownFlag) async throws -> Int {
        let values = try TestPickle.base64((0..<40).map { "{'uid': \($0 % 50 + 1), 'current_page': '/load/\($0)', 'user_role': 'w'}" })
        let name = self.name
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var n = 0
                    var conn: PGConnection?
                    while !stop.isRequested || n < minimum {  // at least `minimum` each, however starved this task is
                        do {
                            if conn == nil {
                                conn = try await PGConnection.connect(PGConnectionConfiguration(conninfo: "dbname=\(name)"), logger: DaemonTestDatabase.logger)
                            }
                            let key = keys[(w + n * writers) % keys.count]
                            _ = try await conn!.query("UPDATE sessions SET data = $2, atime = now() WHERE session_id = $1",
                                                      [.text(key), .text(values[(w * 7 + n) % values.count])])
                            n += 1
                        } catch {
                            // A restarted server or a terminated backend: reconnect and go on.
                            conn?.close()
                            conn = nil
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    conn?.close()
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
    }
}
