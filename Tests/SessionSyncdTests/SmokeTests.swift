import Testing
@testable import SessionSyncd
@testable import PGListen
@Suite struct SmokeTests { @Test func links() { #expect(PGConnection.libpqVersion > 100000) } }
