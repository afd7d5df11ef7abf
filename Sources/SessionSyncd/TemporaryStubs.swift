// TEMPORARY: stands in for Stats/LagStats until it lands; delete then.
import Logging

struct LagStats: Sendable {
    private var samples: [Double] = []
    struct Snapshot: Sendable { var count: Int; var p50: Double?; var p99: Double?; var max: Double? }
    mutating func record(lagSeconds: Double) { samples.append(lagSeconds) }
    func snapshot() -> Snapshot {
        let s = samples.sorted()
        func q(_ p: Double) -> Double? { s.isEmpty ? nil : s[min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1 < 0 ? 0 : Int((p * Double(s.count)).rounded(.up)) - 1)] }
        return Snapshot(count: s.count, p50: q(0.5), p99: q(0.99), max: s.last)
    }
}

