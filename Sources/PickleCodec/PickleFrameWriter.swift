/// The encoder's output buffer, with protocol 4's framing done as CPython's `_pickle.c` does it.
///
/// A frame is opened by the first write after the previous one closed, is
/// closed at the start of the next `save` once it holds 64 KiB or more, and
/// is written without its FRAME header when it holds fewer than 4 bytes.
/// Payloads of 64 KiB or more are written outside any frame.
struct PickleFrameWriter {
    /// CPython's `FRAME_SIZE_TARGET`.
    static let frameSizeTarget = 64 * 1024
    /// CPython's `FRAME_SIZE_MIN`: smaller frames get no header.
    static let frameSizeMin = 4
    /// FRAME opcode plus its 8-byte length.
    static let headerSize = 9

    private(set) var bytes: [UInt8] = []
    /// Whether FRAME opcodes are written (protocol 4 and up, after PROTO).
    var framing = false
    /// Offset of the reserved header of the open frame.
    private var frameStart: Int?

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func openFrameIfNeeded() {
        if framing && frameStart == nil {
            frameStart = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: Self.headerSize))
        }
    }

    mutating func write(_ byte: UInt8) {
        openFrameIfNeeded()
        bytes.append(byte)
    }

    mutating func write(_ a: UInt8, _ b: UInt8) {
        openFrameIfNeeded()
        bytes.append(a)
        bytes.append(b)
    }

    mutating func write<C: Collection>(_ data: C) where C.Element == UInt8 {
        openFrameIfNeeded()
        bytes.append(contentsOf: data)
    }

    /// Little-endian unsigned integer of `width` bytes.
    mutating func writeLE(_ value: UInt64, width: Int) {
        openFrameIfNeeded()
        var v = value
        for _ in 0..<width {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Header then payload; a payload of 64 KiB or more goes outside any frame.
    mutating func writeLarge(header: [UInt8], payload: some Collection<UInt8>) {
        if payload.count >= Self.frameSizeTarget {
            commitFrame()
            // Framing is off for exactly these two writes, as in `_Pickler_write_bytes`.
            bytes.append(contentsOf: header)
            bytes.append(contentsOf: payload)
        } else {
            write(header)
            write(payload)
        }
    }

    /// Called at the start of every `save`: closes a frame that reached the target size.
    mutating func opcodeBoundary() {
        guard let start = frameStart else { return }
        if bytes.count - start - Self.headerSize >= Self.frameSizeTarget {
            commitFrame()
        }
    }

    /// Closes the open frame: fills in its header, or drops the header when the frame is tiny.
    mutating func commitFrame() {
        guard let start = frameStart else { return }
        frameStart = nil
        let length = bytes.count - start - Self.headerSize
        if length >= Self.frameSizeMin {
            bytes[start] = PickleOpcode.frame
            var v = UInt64(length)
            for i in 1...8 {
                bytes[start + i] = UInt8(truncatingIfNeeded: v)
                v >>= 8
            }
        } else {
            bytes.removeSubrange(start..<(start + Self.headerSize))
        }
    }
}
