#if canImport(Glibc)
import Glibc
#endif

/// When to hand freed heap pages back to the kernel (glibc's `malloc_trim`).
///
/// After a burst glibc keeps the pages it freed. Trimming once the engine is idle gives back what is
/// free; measured (98dd9c8, 300,000 updates in transactions of 10,000): RssAnon 11.6 → 10.3 MiB, the
/// rest is memory the daemon still holds. At most once per ``minimumInterval``, and only after work
/// since the last trim, so a steady stream of batches pays at most one trim per interval and an idle
/// daemon none.
struct MemoryTrim: Sendable {
    /// Shortest time between two trims.
    let minimumInterval: Duration
    private var lastTrim: ContinuousClock.Instant?
    private var batchesAtLastTrim = 0

    /// - Parameter minimumInterval: default 10 s.
    init(minimumInterval: Duration = .seconds(10)) {
        self.minimumInterval = minimumInterval
    }

    /// Whether to trim now; records the trim when it says yes.
    /// - Parameters:
    ///   - idle: nothing is waiting to be written and no catch-up runs.
    ///   - batches: batches committed since start (work since the last trim when it moved).
    ///   - now: the current time.
    mutating func shouldTrim(idle: Bool, batches: Int, now: ContinuousClock.Instant) -> Bool {
        guard idle, batches != batchesAtLastTrim else { return false }
        if let lastTrim, now - lastTrim < minimumInterval { return false }
        lastTrim = now
        batchesAtLastTrim = batches
        return true
    }

    /// Returns free heap pages to the kernel; a no-op where the C library has no `malloc_trim` (it is
    /// glibc's, not in Swift's Glibc module: looked up once with dlsym).
    /// Whether `malloc_trim` was found (glibc).
    static var isAvailable: Bool {
        #if canImport(Glibc)
        return mallocTrim != nil
        #else
        return false
        #endif
    }

    static func trim() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private static let mallocTrim: MallocTrim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif
}
