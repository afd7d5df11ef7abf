#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time for log timestamps; injectable so tests get fixed output.
struct LogClock: Sendable {
    /// Seconds and nanoseconds since the Unix epoch.
    let now: @Sendable () -> (seconds: Int, nanoseconds: Int)

    /// Creates a clock from a closure (tests).
    init(_ now: @escaping @Sendable () -> (seconds: Int, nanoseconds: Int)) {
        self.now = now
    }

    /// CLOCK_REALTIME.
    static let system = LogClock {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int(ts.tv_sec), Int(ts.tv_nsec))
    }

    /// `2026-11-27T08:40:00.123Z`: RFC 3339 in UTC with milliseconds.
    /// - Parameters:
    ///   - seconds: since the Unix epoch.
    ///   - nanoseconds: 0..<1_000_000_000.
    static func iso8601(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return pad(Int(tm.tm_year) + 1900, 4) + "-" + pad(Int(tm.tm_mon) + 1, 2) + "-" + pad(Int(tm.tm_mday), 2)
            + "T" + pad(Int(tm.tm_hour), 2) + ":" + pad(Int(tm.tm_min), 2) + ":" + pad(Int(tm.tm_sec), 2)
            + "." + pad(nanoseconds / 1_000_000, 3) + "Z"
    }

    /// The current time, formatted by ``iso8601(seconds:nanoseconds:)``.
    func timestamp() -> String {
        let (s, ns) = now()
        return Self.iso8601(seconds: s, nanoseconds: ns)
    }
}
