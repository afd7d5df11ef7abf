import Foundation

/// Session values made by CPython (python3), as web.py stores them: base64.encodebytes(pickle.dumps(...)).
enum TestPickle {
    /// base64 text of `pickle.dumps(<expression>, protocol)`, one per expression, in one python3 run.
    /// - Parameters:
    ///   - expressions: Python expressions (may use `datetime`, `decimal`, `uuid`).
    ///   - protocol: pickle protocol (0 for Python 2's cPickle default, 2..5).
    static func base64(_ expressions: [String], protocol: Int = 2) throws -> [String] {
        let script = """
            import base64, datetime, decimal, json, pickle, sys, uuid
            exprs = json.load(sys.stdin)
            out = [base64.encodebytes(pickle.dumps(eval(e), protocol=\(`protocol`))).decode() for e in exprs]
            json.dump(out, sys.stdout)
            """
        let data = try python(script, stdin: JSONSerialization.data(withJSONObject: expressions))
        return try JSONSerialization.jsonObject(with: data) as! [String]
    }

    /// base64 text of one expression.
    static func base64(_ expression: String, protocol: Int = 2) throws -> String {
        try base64([expression], protocol: `protocol`)[0]
    }

    /// base64 text of raw pickle bytes given as a Python bytes literal (for hostile pickles).
    static func base64(rawPickle bytesLiteral: String) throws -> String {
        let script = "import base64, sys; sys.stdout.write(base64.encodebytes(\(bytesLiteral)).decode())"
        return String(decoding: try python(script, stdin: Data()), as: UTF8.self)
    }

    static func python(_ script: String, stdin: Data) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw DaemonTestSetupError(description: "python3 failed (status \(p.terminationStatus))") }
        return data
    }
}
