import Logging

/// A log event reduced to what both formats write: timestamp, level, message, and flat metadata
/// (nested dictionaries become dot-separated keys, sorted, sensitive ones redacted).
struct LogRecord {
    /// A flattened metadata value.
    enum Value: Equatable {
        case string(String)
        /// JSON number syntax (from ``LogNumber``, `Int`, finite `Double`).
        case number(String)
        case bool(Bool)
        case array([String])
    }

    /// Most UTF-8 bytes kept of one value; a longer value is cut and marked, so one event cannot
    /// produce a huge line.
    static let maxValueBytes = 4096

    var timestamp: String
    var level: Logger.Level
    var message: String
    /// Sorted by key.
    var fields: [(key: String, value: Value)]

    /// Builds the record.
    /// - Parameters:
    ///   - event: the swift-log event.
    ///   - handlerMetadata: the handler's own metadata (lowest precedence).
    ///   - provider: the handler's metadata provider (overrides handler metadata).
    ///   - timestamp: formatted time.
    init(event: LogEvent, handlerMetadata: Logger.Metadata, provider: Logger.MetadataProvider?, timestamp: String) {
        var merged = handlerMetadata
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string(String(describing: error)) }
        var flat: [(String, Value)] = []
        for (key, value) in merged { Self.flatten(key, value, into: &flat) }
        flat.sort { $0.0 < $1.0 }
        self.timestamp = timestamp
        self.level = event.level
        self.message = Self.truncated(event.message.description)
        self.fields = flat.map { (key: $0.0, value: $0.1) }
    }

    private static func flatten(_ key: String, _ value: Logger.MetadataValue, into out: inout [(String, Value)]) {
        if LogRedaction.isSensitive(key: key) {
            out.append((key, .string(LogRedaction.placeholder)))
            return
        }
        switch value {
        case .string(let s): out.append((key, .string(truncated(s))))
        case .stringConvertible(let c): out.append((key, scalar(c)))
        case .dictionary(let d):
            for (k, v) in d { flatten(key + "." + k, v, into: &out) }
        case .array(let items): out.append((key, .array(items.map { truncated(render($0)) })))
        }
    }

    /// Numbers and booleans keep their kind (JSON writes them bare); anything else is its description.
    private static func scalar(_ c: any CustomStringConvertible & Sendable) -> Value {
        switch c {
        case let n as LogNumber: return .number(n.description)
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(String(i))
        case let i as Int64: return .number(String(i))
        case let i as Int32: return .number(String(i))
        case let i as UInt64: return .number(String(i))
        case let d as Double where d.isFinite: return .number(String(d))
        default: return .string(truncated(c.description))
        }
    }

    /// Text of a value nested in an array (dictionary keys are still checked for secrets).
    private static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .dictionary(let d):
            let parts = d.sorted { $0.key < $1.key }.map { k, v in
                k + "=" + (LogRedaction.isSensitive(key: k) ? LogRedaction.placeholder : render(v))
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    /// `s`, cut at a scalar boundary to at most ``maxValueBytes`` UTF-8 bytes and marked if cut.
    static func truncated(_ s: String) -> String {
        guard s.utf8.count > maxValueBytes else { return s }
        let bytes = Array(s.utf8)
        var n = maxValueBytes
        while n > 0 && bytes[n] & 0xC0 == 0x80 { n -= 1 }
        return String(decoding: bytes[..<n], as: UTF8.self) + "...[truncated]"
    }
}
