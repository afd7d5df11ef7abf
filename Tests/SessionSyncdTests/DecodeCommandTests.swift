import Foundation
import Testing
@testable import SessionSyncd

@Suite struct DecodeCommandTests {
    @Test func linesGivesExactlyOneOutputLinePerInputLine() throws {
        let good = try TestPickle.base64(["{'uid': 1, 'a': [1, 2]}", "{u'page': u'/x'}"], protocol: 0)
            .map { $0.replacingOccurrences(of: "\n", with: "") }
        let input = good[0] + "\n" + "bm90IGEgcGlja2xl\n" + "\n" + good[1] + "\r\n"
        let r = try DaemonProcess.run(["decode", "--lines"], stdin: Data(input.utf8))
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5)  // four lines and the final newline
        #expect(lines[0] == #"{"a":[1,2],"uid":1}"# || lines[0].contains("\"uid\":1"))
        #expect(lines[1].hasPrefix("{\"$error\":\"pickle: "))
        #expect(lines[2].hasPrefix("{\"$error\":"))
        #expect(lines[3].contains("\"page\":\"/x\""))
        #expect(lines[4] == "")

        let ok = try DaemonProcess.run(["decode", "--lines"], stdin: Data((good.joined(separator: "\n") + "\n").utf8))
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").count == 2)
    }

    @Test func wholeInputIsBase64TextOrARawPickle() throws {
        let text = try TestPickle.base64("{'k': 'v'}", protocol: 2)
        let r = try DaemonProcess.run(["decode"], stdin: Data(text.utf8))
        #expect(r.status == 0)
        #expect(r.stdout == "{\"k\":\"v\"}\n")
        let raw = Data(base64Encoded: text.replacingOccurrences(of: "\n", with: ""))!
        let r2 = try DaemonProcess.run(["decode"], stdin: raw)
        #expect(r2.stdout == "{\"k\":\"v\"}\n")
        let bad = try DaemonProcess.run(["decode"], stdin: Data("(((".utf8))
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pickle:"))
        #expect(bad.stdout.isEmpty)
    }

    @Test func jsonStringEscapesControlCharacters() {
        #expect(DecodeCommand.jsonString("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
    }
}
