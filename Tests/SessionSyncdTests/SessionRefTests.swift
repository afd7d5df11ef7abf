import Testing
@testable import SessionSyncd

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

@Suite struct SessionRefTests {
    /// FIPS 180-2, appendix B (one block, two blocks, a million "a").
    @Test func sha256KnownVectors() {
        #expect(hex(SHA256.hash(Array("".utf8))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55/56 bytes: the length still fits / needs a second block).
    /// Expected digests from coreutils `sha256sum`.
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ])
    func sha256PaddingBoundaries(length: Int, digest: String) {
        #expect(hex(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: length))) == digest)
    }

    @Test func referenceIsTheFirst12HexDigitsOfSHA256OfTheUTF8Id() {
        #expect(SessionRef("abc").description == "ba7816bf8f01")
        #expect(SessionRef("").description == "e3b0c44298fc")
        // A web.py-style id (40 hex digits) and a non-ASCII one (hashed as UTF-8).
        #expect("\(SessionRef("0123456789abcdef0123456789abcdef01234567"))" == "deb87fabd177")
        #expect("\(SessionRef("é☃😀"))" == "f3721973be72")
        #expect(SessionRef("abc").description.count == SessionRef.length)
    }

    /// Every character counts (issue 15 item 8): in a TEXT key `tsp` and `tsp   ` are two sessions.
    /// CHAR(n) padding never reaches SessionRef: the daemon reads every id through `::text`, which drops it.
    @Test func trailingSpacesAreCounted() {
        #expect(SessionRef("tsp") != SessionRef("tsp   "))
        #expect(SessionRef("abc ") != SessionRef("abc"))
        #expect(SessionRef("   ") != SessionRef(""))
        #expect(SessionRef(" abc") != SessionRef("abc"))
        #expect(SessionRef("abc\t") != SessionRef("abc"))
    }
}
