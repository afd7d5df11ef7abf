#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where finished log lines go: one call per complete line (newline included).
///
/// Injectable so tests capture output; the real one writes stderr.
struct LogLineWriter: Sendable {
    /// Receives one whole line, ending in `\n`.
    let write: @Sendable ([UInt8]) -> Void

    /// Creates a writer from a closure (tests).
    init(_ write: @escaping @Sendable ([UInt8]) -> Void) {
        self.write = write
    }

    /// Standard error: journald (via systemd) and terminals read it.
    static let standardError = LogLineWriter.fileDescriptor(2)

    /// Writes each line with one write(2) under a lock, so lines from concurrent tasks never interleave
    /// (and stay atomic on a pipe up to PIPE_BUF). A partial write is continued; EINTR is retried;
    /// other errors drop the line (logging must never stop the daemon).
    /// - Parameter fd: an open file descriptor; not closed by the writer.
    static func fileDescriptor(_ fd: Int32) -> LogLineWriter {
        let lock = LogLock()
        return LogLineWriter { line in
            lock.withLock {
                line.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        #if canImport(Glibc)
                        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        #else
                        let n = Darwin.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        #endif
                        if n > 0 {
                            offset += n
                        } else if n < 0 && errno == EINTR {
                            continue
                        } else {
                            return
                        }
                    }
                }
            }
        }
    }
}
