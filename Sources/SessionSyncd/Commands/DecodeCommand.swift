import ArgumentParser
import Foundation
import PickleCodec

/// `session-syncd decode [--lines]`: web.py data or a raw pickle on stdin → canonical JSON on stdout.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a web.py session value (base64) or a raw pickle from stdin to canonical JSON. No database needed.",
        discussion: "With --lines, each input line is one base64 value and gives exactly one output line: the JSON, or {\"$error\": \"...\"}; the exit status is 1 if any line failed.")

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "One base64 value per line; one JSON line per input line.")
    var lines = false

    func run() throws {
        let config = try options.loadConfiguration()
        let input = Self.readAll()
        let decoder = PickleDecoder(limits: config.limits)
        if !lines {
            do {
                let doc = try decoder.decode(data: input)
                print(try doc.canonicalJSON(limits: config.limits))
            } catch {
                FileHandle.standardError.write(Data("session-syncd: decode: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        var failed = false
        var out: [UInt8] = []
        out.reserveCapacity(1 << 17)
        // Lines found with memchr over the whole input, no array of slices: `splitLines` was 2.9% of the run,
        // and reading through `Data` (then copying it into an array) 4.6% (perf, protocol-4 bench corpus).
        input.withUnsafeBufferPointer { all in
            Self.forEachLine(all) { line in
                Self.decodeLine(line, decoder: decoder, limits: config.limits, into: &out, failed: &failed)
                out.append(UInt8(ascii: "\n"))
                if out.count > 1 << 16 {
                    Self.writeAll(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
        }
        Self.writeAll(out)
        if failed { throw ExitCode(1) }
    }

    /// Standard input to its end, read straight into an array.
    static func readAll() -> [UInt8] {
        var input = [UInt8](repeating: 0, count: 1 << 20)
        var used = 0
        while true {
            if used == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
            let n = input.withUnsafeMutableBytes { read(0, $0.baseAddress! + used, $0.count - used) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            used += n
        }
        input.removeSubrange(used...)
        return input
    }

    /// Writes all of `bytes` to standard output (retrying short writes); gives up on an error.
    static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            var offset = 0
            while offset < b.count {
                let n = write(1, b.baseAddress! + offset, b.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Calls `body` with each line of `input` without its terminator ("\n" or "\r\n"); a final terminator
    /// does not start another line.
    static func forEachLine(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = input.baseAddress else { return }
        var start = 0
        while start < input.count {
            let rest = input.count - start
            let hit = memchr(base + start, 0x0A, rest)
            let stop = hit.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? input.count
            var end = stop
            if end > start, base[end - 1] == UInt8(ascii: "\r"), hit != nil { end -= 1 }
            body(UnsafeBufferPointer(start: base + start, count: end - start))
            start = stop + 1
        }
    }

    /// One output line without its newline, appended to `out`: canonical JSON, or `{"$error":"..."}`.
    /// (As UTF-8 bytes: building a `String` per line and appending it cost about 5% of `decode --lines`, perf.)
    static func decodeLine(_ line: UnsafeBufferPointer<UInt8>, decoder: PickleDecoder, limits: PickleLimits,
                           into out: inout [UInt8], failed: inout Bool) {
        do {
            let doc = try decoder.decode(base64Text: Array(line))
            out.append(contentsOf: try doc.canonicalJSONUTF8(limits: limits))
        } catch {
            failed = true
            out.append(contentsOf: PickleJSONText.errorObject(error).utf8)
        }
    }

    /// A JSON string literal (canonical JSON's escaping, the same as the JSON log lines').
    static func jsonString(_ s: String) -> String { PickleJSONText.quoted(s) }
}
