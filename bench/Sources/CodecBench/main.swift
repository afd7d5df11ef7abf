// bench-codec: PickleCodec's decode throughput on a corpus of web.py session values.
//
//   bench-codec <corpus>...
//
// Each corpus file holds web.py values (base64.encodebytes text), each followed by a NUL byte.
// For each file it prints one line:
//   <file> sessions=<n> bytes=<total base64 bytes> sessions_per_s=<best of 5> allocs_per_session=<mallocs>
// Timing: every run decodes the whole corpus as often as fits in 0.5 s; the best run counts.
import CMallocCounter
import PickleCodec

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    return out
}

@inline(never)
func decodeAll(_ records: [[UInt8]], _ decoder: PickleDecoder) -> Int {
    var nodes = 0
    for r in records {
        if let doc = try? decoder.decode(base64Text: r) { nodes &+= doc.nodes.count } else { nodes &-= 1_000_000 }
    }
    return nodes
}

let decoder = PickleDecoder()
for path in CommandLine.arguments.dropFirst() {
    guard let data = readFile(path) else {
        print("\(path) error=unreadable")
        exit(1)
    }
    let records = data.split(separator: 0, omittingEmptySubsequences: true).map { Array($0) }
    guard !records.isEmpty else { print("\(path) error=empty"); exit(1) }
    // Every record must decode, or the figures would measure error paths.
    let check = decodeAll(records, decoder)
    if check < 0 { print("\(path) error=undecodable-records"); exit(1) }

    // BENCH_ONCE=N: decode the corpus N times and stop (for instruction counts under callgrind).
    if let once = getenv("BENCH_ONCE").flatMap({ Int(String(cString: $0)) }) {
        var sink = 0
        for _ in 0..<once { sink &+= decodeAll(records, decoder) }
        print("\(path) sink=\(sink & 1)")
        continue
    }
    var best = 0.0
    var sink = 0
    for _ in 0..<5 {
        var rounds = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            sink &+= decodeAll(records, decoder)
            rounds += 1
            elapsed = now() - start
        } while elapsed < 0.5
        best = max(best, Double(rounds * records.count) / elapsed)
    }
    let before = mc_allocations()
    sink &+= decodeAll(records, decoder)
    let after = mc_allocations()
    let allocs = before == UInt64.max ? "n/a" : String(Double(after - before) / Double(records.count))
    let bytes = records.reduce(0) { $0 + $1.count }
    print("\(path) sessions=\(records.count) bytes=\(bytes) sessions_per_s=\(Int(best)) allocs_per_session=\(allocs) sink=\(sink & 1)")
}
