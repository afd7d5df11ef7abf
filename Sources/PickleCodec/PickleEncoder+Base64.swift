extension PickleEncoder {
    /// Base64 alphabet (RFC 4648, standard).
    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Base64 as Python's `base64.encodebytes` writes it: standard alphabet with padding, in lines of 76 characters (57 input bytes), each ending with "\n".
    ///
    /// Empty input gives an empty string, as `encodebytes(b"")` does.
    /// - Parameter bytes: the data.
    /// - Returns: the text.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let lines = (bytes.count + 56) / 57
        let capacity = (bytes.count + 2) / 3 * 4 + lines
        let alphabet = base64Alphabet
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var o = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let lineEnd = min(i + 57, n)
                while i + 3 <= lineEnd {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    buffer[o] = alphabet[Int(v >> 18 & 63)]
                    buffer[o + 1] = alphabet[Int(v >> 12 & 63)]
                    buffer[o + 2] = alphabet[Int(v >> 6 & 63)]
                    buffer[o + 3] = alphabet[Int(v & 63)]
                    o += 4
                    i += 3
                }
                let rest = lineEnd - i
                if rest == 1 {
                    let v = UInt32(bytes[i]) << 16
                    buffer[o] = alphabet[Int(v >> 18 & 63)]
                    buffer[o + 1] = alphabet[Int(v >> 12 & 63)]
                    buffer[o + 2] = UInt8(ascii: "=")
                    buffer[o + 3] = UInt8(ascii: "=")
                    o += 4
                    i += 1
                } else if rest == 2 {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                    buffer[o] = alphabet[Int(v >> 18 & 63)]
                    buffer[o + 1] = alphabet[Int(v >> 12 & 63)]
                    buffer[o + 2] = alphabet[Int(v >> 6 & 63)]
                    buffer[o + 3] = UInt8(ascii: "=")
                    o += 4
                    i += 2
                }
                buffer[o] = UInt8(ascii: "\n")
                o += 1
            }
            count = o
        }
        return String(decoding: out, as: UTF8.self)
    }
}
