import Foundation
import Testing

/// The built `session-syncd` binary, run as a subprocess.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only started in init and signalled/awaited afterwards,
    // which Foundation's Process allows from any thread.
    let process: Process
    let logURL: URL

    /// The binary: $SESSION_SYNCD_BIN, else next to the test bundle (swift build puts both in .build/<config>/).
    static func binaryPath() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["SESSION_SYNCD_BIN"], FileManager.default.isExecutableFile(atPath: bin) {
            return bin
        }
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("session-syncd").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw DaemonTestSetupError(description: "session-syncd binary not found: run `swift build` first or set SESSION_SYNCD_BIN")
    }

    /// What systemd hands a service; removed from the daemon's environment unless a test sets them.
    static let systemdVariables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"]

    /// A new, empty log file for a daemon's stderr.
    static func newLogFile() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("session-syncd-test-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return url
    }

    /// Starts `session-syncd <arguments>`, stderr to a log file.
    /// - Parameters:
    ///   - environment: variables to set on top of the test's environment (without ``systemdVariables``).
    ///   - logURL: the stderr file (default: a new one from ``newLogFile()``).
    init(_ arguments: [String], environment: [String: String] = [:], logURL: URL? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binaryPath())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for name in Self.systemdVariables { env[name] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        self.logURL = logURL ?? Self.newLogFile()
        process.standardError = try FileHandle(forWritingTo: self.logURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// The log so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` `count` times (or the process exits); false on timeout.
    func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(60)) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if log.components(separatedBy: text).count - 1 >= count { return true }
            if exitStatus != nil { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Once more after the deadline: under a loaded CI machine this task can be starved past it.
        return log.components(separatedBy: text).count - 1 >= count
    }

    /// The daemon's process id.
    var pid: Int32 { process.processIdentifier }

    /// Sends a signal.
    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// The exit status (a signal's number if one ended it), nil while the process runs. Asks the kernel
    /// with waitid(WNOWAIT), which leaves the child to Foundation's reaper: under a full parallel run
    /// Foundation's `isRunning` was seen true more than 10 s after the daemon had exited (CI, three times).
    var exitStatus: Int32? {
        if !process.isRunning { return process.terminationStatus }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
            // ECHILD: Foundation reaped it between the two looks.
            return process.isRunning ? nil : process.terminationStatus
        }
        guard info._sifields._sigchld.si_pid == pid else { return nil }  // still running
        return info._sifields._sigchld.si_status
    }

    /// Waits until the process has exited (``exitStatus``); nil after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus
    }

    /// Sends SIGTERM and waits for the exit (killing it after `timeout`); returns the exit status, -1 if
    /// it had to be killed.
    func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        if exitStatus == nil { signal(SIGTERM) }
        if let status = try await waitForExit(timeout: timeout) {
            try? FileManager.default.removeItem(at: logURL)
            return status
        }
        kill(process.processIdentifier, SIGKILL)
        _ = try await waitForExit(timeout: .seconds(10))
        return -1
    }

    /// Runs `session-syncd <arguments>` to completion: (status, stdout, stderr). Files, not pipes, so nothing blocks.
    static func run(_ arguments: [String], stdin: Data = Data()) throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("session-syncd-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in"), outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        try stdin.write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binaryPath())
        p.arguments = arguments
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
