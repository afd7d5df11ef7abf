// codec-records: the differential test's view of PickleCodec.
//
// stdin: web.py values (base64 text, newlines allowed), each followed by a NUL byte.
// stdout: two lines per value, written as soon as they are ready:
//   1. the canonical JSON exactly as PickleDocument.canonicalJSON() returns it, or
//      {"$error":"<PickleError description>"} when the value does not decode, or
//      {"$jsonError":"<description>"} when the export fails;
//   2. {"0":"<base64>","2":...,"5":...}: the document re-encoded at each protocol
//      (null with an "error<N>" entry when that fails); {} when the value did not decode.
// Error texts are quoted by PickleJSONText, as `session-syncd decode --lines` quotes them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PickleCodec

func emit(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if n <= 0 { exit(2) }
        offset += n
    }
}

func handle(_ record: [UInt8]) {
    let decoder = PickleDecoder()
    let doc: PickleDocument
    do {
        doc = try decoder.decode(base64Text: record)
    } catch {
        emit(PickleJSONText.errorObject(error))
        emit("{}")
        return
    }
    do {
        emit(try doc.canonicalJSON())
    } catch {
        emit(PickleJSONText.errorObject(error, key: "$jsonError"))
    }
    var enc: [String] = []
    for proto in [0, 2, 3, 4, 5] {
        do {
            let text = try PickleEncoder(protocol: proto).encodeBase64Text(doc)
            enc.append("\"\(proto)\":\"\(text.filter { $0 != "\n" })\"")
        } catch {
            enc.append("\"\(proto)\":null,\"error\(proto)\":" + PickleJSONText.quoted(error.description))
        }
    }
    emit("{" + enc.joined(separator: ",") + "}")
}

var pending: [UInt8] = []
var buffer = [UInt8](repeating: 0, count: 1 << 16)
while true {
    let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
    if n <= 0 { break }
    for b in buffer[0..<n] {
        if b == 0 {
            handle(pending)
            pending.removeAll(keepingCapacity: true)
        } else {
            pending.append(b)
        }
    }
}
if !pending.isEmpty { handle(pending) }
