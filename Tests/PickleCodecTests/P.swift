import Testing
@Suite struct P { @Test func t() { #expect(1 == 1) } }
