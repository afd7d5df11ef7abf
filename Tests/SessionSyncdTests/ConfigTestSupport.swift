@testable import SessionSyncd

#if canImport(Glibc)
import Glibc
#endif

/// Files of the repository for tests that keep docs and deploy/ honest.
enum ConfigTestSupport {
    /// The repository root, found from this file's real path (Tests/SessionSyncdTests/<file>).
    static func repositoryRoot(_ file: String = #filePath) -> String {
        var real = file
        if let resolved = realpath(file, nil) {
            real = String(cString: resolved)
            free(resolved)
        }
        var parts = real.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    /// A repository file's text.
    static func readText(_ relativePath: String) throws -> String {
        let bytes = try ConfigFileReader.contents(of: repositoryRoot() + "/" + relativePath)
        return String(decoding: bytes, as: UTF8.self)
    }
}
