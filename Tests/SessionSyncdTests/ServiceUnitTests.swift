import Foundation
import Testing

/// deploy/session-syncd.service and the template deploy/session-syncd@.service: sd_notify and the watchdog,
/// checked by systemd's own tools.
@Suite struct ServiceUnitTests {
    static let unitPath = ConfigTestSupport.repositoryRoot() + "/deploy/session-syncd.service"
    static let templatePath = ConfigTestSupport.repositoryRoot() + "/deploy/session-syncd@.service"

    /// The settings lines (no comments) of a unit file.
    static func settings(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The template is the plain unit with the instance name (%i) selecting the config file, the
    /// syslog identifier and an extra environment file: every other setting (the hardening) is the same.
    @Test func templateIsThePlainUnitWithTheInstanceName() throws {
        let plain = Self.settings(try ConfigTestSupport.readText("deploy/session-syncd.service"))
        let template = Self.settings(try ConfigTestSupport.readText("deploy/session-syncd@.service"))
        let instanceLines: [String: String] = [
            "Description=session-syncd (typed mirror of web.py sessions in PostgreSQL)":
                "Description=session-syncd %i (typed mirror of web.py sessions in PostgreSQL)",
            "ExecStart=/usr/local/bin/session-syncd run --config /etc/session-syncd/config.toml":
                "ExecStart=/usr/local/bin/session-syncd run --config /etc/session-syncd/%i.toml",
            "SyslogIdentifier=session-syncd": "SyslogIdentifier=session-syncd-%i",
        ]
        var expected: [String] = []
        for line in plain {
            expected.append(instanceLines[line] ?? line)
            if line == "EnvironmentFile=-/etc/session-syncd/environment" {
                expected.append("EnvironmentFile=-/etc/session-syncd/%i.environment")
            }
        }
        #expect(template == expected)
    }

    @Test(arguments: ["deploy/session-syncd.service", "deploy/session-syncd@.service"])
    func notifyTypeAndWatchdog(path: String) throws {
        let unit = try ConfigTestSupport.readText(path)
        #expect(unit.contains("\nType=notify\n"))
        #expect(unit.contains("\nNotifyAccess=main\n"))
        #expect(unit.contains("\nWatchdogSec=30s\n"))
        // The notify socket is an AF_UNIX socket: the sandbox must keep that family.
        #expect(unit.contains("\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"))
    }

    #if os(Linux)
    /// `systemd-analyze security --offline=true`: the overall exposure stays at or below 1.5.
    @Test(arguments: [unitPath, templatePath]) func exposureStaysAtMostOnePointFive(path: String) throws {
        let analyze = try Self.systemdAnalyze()
        let r = try Self.run([analyze, "security", "--offline=true", path])
        let line = try #require(r.output.split(separator: "\n").first { $0.contains("Overall exposure level") },
                                "no exposure line:\n\(r.output)")
        // "→ Overall exposure level for session-syncd.service: 1.2 OK 🙂"
        let figure = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, "\(line)")
        #expect(figure <= 1.5, "\(line)")
    }

    /// `systemd-analyze verify` finds nothing wrong (ExecStart pointed at an existing binary, which it requires).
    @Test func systemdAnalyzeVerifyAcceptsTheUnit() throws {
        let analyze = try Self.systemdAnalyze()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try ConfigTestSupport.readText("deploy/session-syncd.service")
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/session-syncd", with: "ExecStart=\(try DaemonProcess.binaryPath())")
        let copy = dir.appendingPathComponent("session-syncd.service")
        try unit.write(to: copy, atomically: true, encoding: .utf8)
        let r = try Self.run([analyze, "verify", copy.path])
        #expect(r.status == 0 && r.output.isEmpty, "\(r.output)")
    }

    /// `systemd-analyze verify` on an instance of the template (session-syncd@db1.service), which
    /// expands %i: it finds nothing wrong.
    @Test func systemdAnalyzeVerifiesAnInstanceOfTheTemplate() throws {
        let analyze = try Self.systemdAnalyze()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try ConfigTestSupport.readText("deploy/session-syncd@.service")
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/session-syncd", with: "ExecStart=\(try DaemonProcess.binaryPath())")
        try unit.write(to: dir.appendingPathComponent("session-syncd@.service"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("session-syncd@db1.service").path,
                                                   withDestinationPath: "session-syncd@.service")
        let r = try Self.run([analyze, "verify", dir.appendingPathComponent("session-syncd@db1.service").path])
        #expect(r.status == 0 && r.output.isEmpty, "\(r.output)")
    }

    /// systemd-analyze: part of systemd, on every Debian with systemd (the project's target).
    static func systemdAnalyze() throws -> String {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/systemd-analyze") {
            return "\(dir)/systemd-analyze"
        }
        throw DaemonTestSetupError(description: "systemd-analyze not found: apt-get install systemd")
    }

    /// Runs `argv`: exit status and stdout+stderr.
    static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("analyze-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let handle = try FileHandle(forWritingTo: out)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
    #endif
}
