import Testing
@testable import SessionSyncd
@testable import PGListen
@Suite struct SmokeTests { @Test func links() { #expect(PGListenPlaceholder.libpqVersion > 100000) } }
