import Foundation
import Testing
import PickleCodec

/// One case of `Fixtures/golden.jsonl` (written by `Fixtures/generate.py` with CPython).
struct GoldenCase: Sendable, CustomTestStringConvertible {
    var name: String
    var pickleProtocol: Int
    var source: String
    /// `base64.encodebytes(pickle)`: web.py's text.
    var base64Text: String
    /// Canonical JSON computed by the generator's reference implementation.
    var json: String

    var testDescription: String { "\(name) p\(pickleProtocol) (\(source))" }

    /// The raw pickle, decoded with Foundation (independent of the codec under test).
    var pickle: [UInt8] {
        [UInt8](Data(base64Encoded: base64Text, options: .ignoreUnknownCharacters)!)
    }
}

enum DecoderFixtures {
    static let directory: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
    }()

    static let golden: [GoldenCase] = {
        let text = try! String(contentsOfFile: directory + "/golden.jsonl", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return GoldenCase(name: o["name"] as! String, pickleProtocol: o["protocol"] as! Int,
                              source: o["source"] as! String, base64Text: o["b64"] as! String, json: o["json"] as! String)
        }
    }()

    static func golden(_ name: String, protocol p: Int) -> GoldenCase {
        golden.first { $0.name == name && $0.pickleProtocol == p }!
    }

    /// `(bits, repr)` pairs from `Fixtures/floats.txt`.
    static let floats: [(UInt64, String)] = {
        let text = try! String(contentsOfFile: directory + "/floats.txt", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (UInt64(parts[0], radix: 16)!, String(parts[1]))
        }
    }()
}

/// Decodes `bytes` and returns the error code, or nil when it decoded.
func decodeError(_ bytes: [UInt8], limits: PickleLimits = .default) -> PickleError.Code? {
    do {
        _ = try PickleDecoder(limits: limits).decode(pickle: bytes)
        return nil
    } catch {
        return error.code
    }
}

func asciiBytes(_ s: String) -> [UInt8] { Array(s.utf8) }
