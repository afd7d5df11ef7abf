import Foundation

/// Progress of a long run on stderr: a redrawn bar on a terminal, a line every few seconds otherwise.
struct ProgressReporter {
    /// stderr is a terminal (isatty(2)).
    let isTerminal: Bool
    let total: Int
    private let started = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var lastDone = -1

    /// Creates a reporter.
    /// - Parameters:
    ///   - total: expected count (0 if unknown).
    ///   - isTerminal: default: whether stderr is a terminal.
    init(total: Int, isTerminal: Bool = isatty(2) != 0) {
        self.total = total
        self.isTerminal = isTerminal
    }

    /// Reports `done` items; draws at most every 100 ms (terminal) or 5 s (log).
    mutating func update(_ done: Int, force: Bool = false) {
        let now = ContinuousClock.now
        let period: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
        if done == lastDone { return }
        if !force, let lastDraw, now - lastDraw < period { return }
        lastDraw = now
        lastDone = done
        let line = Self.line(done: done, total: total, elapsed: now - started, bar: isTerminal)
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func line(done: Int, total: Int, elapsed: Duration, bar: Bool) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(done) / seconds) : 0
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let percent = Int(fraction * 100)
        if bar {
            let width = 30
            let filled = Int(fraction * Double(width))
            return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + "] \(percent)% \(done)/\(total) sessions, \(rate)/s"
        }
        return "resync: \(done)/\(total) sessions (\(percent)%), \(rate) sessions/s"
    }
}
