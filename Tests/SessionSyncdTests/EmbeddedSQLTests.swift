import Foundation
import Testing
@testable import SessionSyncd

@Suite struct EmbeddedSQLTests {
    /// sql/ as found next to this file's package.
    static var sqlDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql")
    }

    @Test func embeddedCopyIsByteForByteTheFilesOfSQLDirectory() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.sqlDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!names.isEmpty)
        #expect(EmbeddedSQL.files.map(\.name) == names, "run scripts/embed-sql")
        for (name, text) in EmbeddedSQL.files {
            let file = try Data(contentsOf: Self.sqlDirectory.appendingPathComponent(name))
            #expect(Array(text.utf8) == Array(file), "\(name) differs from the embedded copy: run scripts/embed-sql")
        }
    }
}
