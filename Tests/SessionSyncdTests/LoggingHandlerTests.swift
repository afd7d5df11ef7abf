import Foundation
import Logging
import Testing
@testable import SessionSyncd

/// Collects the lines a handler writes.
/// `@unchecked Sendable`: `lines` is only touched under `lock`.
final class LogLineCapture: @unchecked Sendable {
    private let lock = LogLock()
    private var storage: [[UInt8]] = []

    var writer: LogLineWriter {
        LogLineWriter { [self] line in lock.withLock { storage.append(line) } }
    }

    /// Every write, decoded.
    var lines: [String] { lock.withLock { storage.map { String(decoding: $0, as: UTF8.self) } } }
}

/// 2026-11-27T08:40:00.123Z
private let fixedClock = LogClock { (1_795_768_800, 123_456_789) }

private func logger(_ format: LogSettings.Format, _ capture: LogLineCapture, level: Logger.Level = .info) -> Logger {
    Logger(label: "test") { label in
        LoggingSetup.makeHandler(format: format, level: level, label: label, writer: capture.writer, clock: fixedClock)
    }
}

/// Parses one JSON log line into a dictionary.
private func jsonObject(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any])
}

@Suite struct LoggingHandlerTests {
    @Test func timestampFormat() {
        #expect(LogClock.iso8601(seconds: 1_795_768_800, nanoseconds: 123_456_789) == "2026-11-27T08:40:00.123Z")
        #expect(LogClock.iso8601(seconds: 0, nanoseconds: 5_000_000) == "1970-01-01T00:00:00.005Z")
        #expect(LogClock.iso8601(seconds: 951_782_400, nanoseconds: 999_999_999) == "2000-02-29T00:00:00.999Z")
        let now = LogClock.system.timestamp()
        #expect(now.count == 24 && now.hasSuffix("Z"))
    }

    @Test func logfmtLine() {
        let capture = LogLineCapture()
        logger(.logfmt, capture).info("batch synced", metadata: ["sync.batch_size": "12", "sync.session_ref": "3f1a9c0b7d2e"])
        #expect(capture.lines == [
            "ts=2026-11-27T08:40:00.123Z level=info msg=\"batch synced\" sync.batch_size=12 sync.session_ref=3f1a9c0b7d2e\n",
        ])
    }

    @Test func logfmtQuotingAndEscaping() {
        let capture = LogLineCapture()
        logger(.logfmt, capture).warning("multi\nline \"quoted\"", metadata: [
            "a.space": "two words",
            "b.equals": "k=v",
            "c.quote": "say \"hi\"",
            "d.newline": "one\ntwo\r\n",
            "e.backslash": "C:\\path",
            "f.empty": "",
            "g.tab": "a\tb",
            "h.control": "bell\u{7}del\u{7F}",
            "i.unicode": "café",
            "j.plain": "simple-value_1.0",
            "weird key=x": "v",
        ])
        let line = capture.lines[0]
        #expect(line == "ts=2026-11-27T08:40:00.123Z level=warning msg=\"multi\\nline \\\"quoted\\\"\""
            + " a.space=\"two words\" b.equals=\"k=v\" c.quote=\"say \\\"hi\\\"\" d.newline=\"one\\ntwo\\r\\n\""
            + " e.backslash=\"C:\\\\path\" f.empty=\"\" g.tab=\"a\\tb\" h.control=\"bell\\u0007del\\u007f\""
            + " i.unicode=café j.plain=simple-value_1.0 weird_key_x=v\n")
        #expect(line.filter { $0 == "\n" }.count == 1, "one event is one line")
    }

    @Test func nestedMetadataBecomesDottedKeysAndHandlerMetadataMerges() {
        let capture = LogLineCapture()
        var log = logger(.logfmt, capture)
        log[metadataKey: "pg"] = ["channel": "session_syncd", "pid": "42"]
        log[metadataKey: "override"] = "handler"
        log.info("listening", metadata: ["sync": ["generation": "1"], "override": "event", "list": ["a", "b c"]])
        #expect(capture.lines == [
            "ts=2026-11-27T08:40:00.123Z level=info msg=\"listening\" list=\"[a,b c]\" override=event pg.channel=session_syncd pg.pid=42 sync.generation=1\n",
        ])
    }

    @Test func levelsBelowTheConfiguredOneAreNotWritten() {
        let capture = LogLineCapture()
        let log = logger(.logfmt, capture, level: .notice)
        log.debug("no")
        log.info("no")
        log.notice("yes")
        log.error("yes")
        #expect(capture.lines.count == 2)
        #expect(capture.lines.allSatisfy { $0.contains("msg=\"yes\"") })
    }

    @Test(arguments: [LogSettings.Format.logfmt, .json])
    func secretsAreRedacted(_ format: LogSettings.Format) {
        let capture = LogLineCapture()
        logger(format, capture).info("connecting", metadata: [
            "pg.conninfo": "host=db password=hunter2",
            "dsn": "postgresql://u:hunter2@db/app",
            "db": ["password": "hunter2", "host": "db"],
            "PGPASSWORD": "hunter2",
            "config.dsn_source": "hunter2",
            "items": [["password": "hunter2"]],
            "secrets": ["a": "hunter2"],
            "sync.session_id": "hunter2",
            "web": ["sessionId": "hunter2"],
        ])
        let line = capture.lines[0]
        #expect(!line.contains("hunter2"), "\(line)")
        #expect(line.contains("[redacted]"))
        #expect(line.contains("db.host"))
    }

    @Test func eventErrorIsWritten() {
        struct Failure: Error, CustomStringConvertible { var description: String { "pg: connection lost" } }
        let capture = LogLineCapture()
        let handler = LogfmtLogHandler(label: "t", writer: capture.writer, clock: fixedClock)
        handler.log(event: LogEvent(level: .error, message: "gave up", error: Failure(), metadata: nil, source: nil,
                                    file: #fileID, function: #function, line: #line))
        #expect(capture.lines == ["ts=2026-11-27T08:40:00.123Z level=error msg=\"gave up\" error=\"pg: connection lost\"\n"])
    }

    @Test func metadataProviderIsUsed() {
        let capture = LogLineCapture()
        let provider = Logger.MetadataProvider { ["task.id": "7"] }
        let handler = JSONLogHandler(label: "t", writer: capture.writer, clock: fixedClock, metadataProvider: provider)
        Logger(label: "t") { _ in handler }.info("x")
        #expect(capture.lines == ["{\"ts\":\"2026-11-27T08:40:00.123Z\",\"level\":\"info\",\"msg\":\"x\",\"task.id\":\"7\"}\n"])
    }

    @Test func jsonLineIsOneValidObject() throws {
        let capture = LogLineCapture()
        logger(.json, capture).error("bad \"pickle\"\nat\tbyte", metadata: [
            "sync.column": "ab\u{1}c",
            "pg.sqlstate": "23503",
            "list": ["x", "y"],
            "msg": "collides",
            "nested": ["k": ["deeper": "v"]],
        ])
        let line = capture.lines[0]
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try jsonObject(line)
        #expect(object["ts"] as? String == "2026-11-27T08:40:00.123Z")
        #expect(object["level"] as? String == "error")
        #expect(object["msg"] as? String == "bad \"pickle\"\nat\tbyte")
        #expect(object["sync.column"] as? String == "ab\u{1}c")
        #expect(object["pg.sqlstate"] as? String == "23503")
        #expect(object["list"] as? [String] == ["x", "y"])
        #expect(object["_msg"] as? String == "collides")
        #expect(object["nested.k.deeper"] as? String == "v")
        #expect(object.count == 8)
    }

    @Test func numbersAndBooleansStayTyped() throws {
        let capture = LogLineCapture()
        logger(.json, capture).info("typed", metadata: [
            "int": .stringConvertible(42),
            "double": .stringConvertible(2.5),
            "bool": .stringConvertible(true),
            "number": .stringConvertible(LogNumber(formatted: "3.2")),
            "text": "42",
            "nan": .stringConvertible(Double.nan),
        ])
        #expect(capture.lines == [
            "{\"ts\":\"2026-11-27T08:40:00.123Z\",\"level\":\"info\",\"msg\":\"typed\",\"bool\":true,\"double\":2.5,\"int\":42,"
                + "\"nan\":\"nan\",\"number\":3.2,\"text\":\"42\"}\n",
        ])
        let object = try jsonObject(capture.lines[0])
        #expect(object["int"] as? Int == 42)
        #expect(object["number"] as? Double == 3.2)
        #expect(object["text"] as? String == "42")
        let logfmt = LogLineCapture()
        logger(.logfmt, logfmt).info("typed", metadata: ["int": .stringConvertible(42), "bool": .stringConvertible(false)])
        #expect(logfmt.lines == ["ts=2026-11-27T08:40:00.123Z level=info msg=\"typed\" bool=false int=42\n"])
    }

    @Test func jsonStringEscapes() {
        #expect(JSONEncoding.string("a\"b\\c\n\r\t\u{8}\u{C}\u{1F}é") == "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u001fé\"")
    }

    @Test func overlongValuesAreCut() {
        let capture = LogLineCapture()
        logger(.logfmt, capture).info("x", metadata: ["big": .string(String(repeating: "é", count: 5000))])
        let line = capture.lines[0]
        #expect(line.utf8.count < 4300)
        #expect(line.contains("...[truncated]"))
        #expect(!line.contains("\u{FFFD}"), "cut at a character boundary")
    }

    /// Many tasks logging at once through the real file-descriptor writer: every line arrives whole.
    @Test func concurrentWritesNeverInterleave() async throws {
        let path = "/tmp/syncd-log-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        let writer = LogLineWriter.fileDescriptor(fd)
        let payload = String(repeating: "x", count: 3000)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let log = Logger(label: "t") { LogfmtLogHandler(label: $0, writer: writer) }
                    for i in 0..<100 { log.info("line", metadata: ["task": "\(task)", "i": "\(i)", "payload": .string(payload)]) }
                }
            }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 800)
        #expect(lines.allSatisfy { $0.hasPrefix("ts=") && $0.contains(" payload=" + payload + " task=") && $0.filter { $0 == "=" }.count == 6 })
    }
}
