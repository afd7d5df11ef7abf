import Logging
import PGListen

/// Keyset pages of the source through a ``SyncPipeline``, one page per ``next(on:logger:)``, with
/// the following page already read and decoded while this one is written: the connection writes
/// page N and then reads page N+2 while this task decodes page N+1, so the daemon's CPU work and
/// the server's overlap instead of taking turns. With a second (reader) connection, page N+2 is read
/// on it while page N is written, so the server's reads and writes overlap too. Shared by `run`'s
/// catch-up and `resync`.
///
/// Keyset order makes reading ahead safe: page N+2 holds only keys after page N+1's last, which
/// the writes of pages N and N+1 cannot move; a page decoded before a session changed is refused
/// by the upsert's hash guard, and the change is notified (or seen by the next catch-up).
struct PageScan: Sendable {
    let pipeline: SyncPipeline
    /// Most sessions per page.
    let limit: Int
    /// Catch-up (only sessions whose row is missing or differs) or resync (every session).
    let onlyOutOfSync: Bool

    /// The last key of the last page written; the scan restarts after it (``restart()``).
    private(set) var after: String?
    /// The page to write next, decoded.
    private var page: Page?
    /// The page after it, read and not yet decoded; nil when not read yet or when there is none.
    private var ahead: [SessionRow]?
    /// No page comes after `ahead` (or after `page` when `ahead` is nil).
    private var exhausted = false

    struct Page: Sendable {
        var rows: [SessionRow]
        var decoded: [DecodedSession]
    }

    /// What one step wrote.
    struct Step: Sendable, Equatable {
        /// Sessions in the page.
        var sessions: Int
        var result: SyncPipeline.Result
    }

    init(pipeline: SyncPipeline, limit: Int, onlyOutOfSync: Bool, after: String? = nil) {
        self.pipeline = pipeline
        self.limit = max(1, limit)
        self.onlyOutOfSync = onlyOutOfSync
        self.after = after
    }

    /// Forgets what was read ahead (after a connection error): the next step reads again from ``after``.
    mutating func restart() {
        page = nil
        ahead = nil
        exhausted = false
    }

    /// Writes the next page; nil when the scan is done.
    /// - Parameters:
    ///   - connection: writes the pages (and reads them when `reader` is nil).
    ///   - reader: a second connection that reads page N+2 while `connection` writes page N, so the
    ///     server reads and writes on two cores at once; nil to read on `connection`.
    ///   - logger: for warnings.
    /// - Throws: what the reads and ``SyncPipeline/sync(rows:decoded:acknowledging:on:logger:)`` throw
    ///   (connection errors, lock or statement timeouts); call ``restart()`` before retrying.
    mutating func next(on connection: PGConnection, reading reader: PGConnection? = nil, logger: Logger) async throws(PGError) -> Step? {
        if page == nil {
            if exhausted { return nil }
            let rows = try await read(after: after, on: reader ?? connection)
            exhausted = rows.count < limit
            page = Page(rows: rows, decoded: pipeline.decode(rows))
        }
        guard let current = page, let last = current.rows.last else {
            page = nil
            exhausted = true
            return nil
        }
        if ahead == nil, !exhausted {
            let rows = try await read(after: last.key, on: reader ?? connection)
            exhausted = rows.count < limit
            ahead = rows
        }
        let following = ahead ?? []
        let readAfter: String? = exhausted ? nil : following.last?.key
        // The connection writes this page, then reads the one after `following` (or the reader reads it meanwhile),
        // while this task decodes `following`. Reading on a second connection: a page's read was 6-13 ms of the
        // 30-45 ms the server spent per page of 1,000 at 100,000 sessions, serial on one backend (issue 12).
        let scan = self
        let readAhead = reader.flatMap { r in
            readAfter.map { key in
                Task { () async -> Result<[SessionRow], PGError> in
                    do throws(PGError) { return .success(try await scan.read(after: key, on: r)) } catch { return .failure(error) }
                }
            }
        }
        let io = Task { () async -> Result<(SyncPipeline.Result, [SessionRow]?), PGError> in
            do throws(PGError) {
                let written = try await scan.pipeline.sync(rows: current.rows, decoded: current.decoded, on: connection, logger: logger)
                guard let readAfter, reader == nil else { return .success((written, nil)) }
                return .success((written, try await scan.read(after: readAfter, on: connection)))
            } catch {
                return .failure(error)
            }
        }
        let decodedAhead = pipeline.decode(following)
        let readResult = await readAhead?.value
        let (written, readOnWriter) = try await io.value.get()
        let fetched = try readResult?.get() ?? readOnWriter
        after = last.key
        if following.isEmpty {
            page = nil
            exhausted = true
        } else {
            page = Page(rows: following, decoded: decodedAhead)
        }
        ahead = fetched
        if let fetched { exhausted = fetched.count < limit }
        return Step(sessions: current.rows.count, result: written)
    }

    /// Whether every page has been written.
    var isDone: Bool { page == nil && exhausted }

    private func read(after key: String?, on connection: PGConnection) async throws(PGError) -> [SessionRow] {
        try await pipeline.reader.page(after: key, limit: limit, onlyOutOfSync: onlyOutOfSync,
                                       mappingHash: pipeline.mappingHash, on: connection)
    }
}
