#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with POSIX calls (no Foundation needed for one small file).
enum ConfigFileReader {
    /// Refuse anything bigger: a configuration file is a few kilobytes.
    static let maxBytes = 1 << 20

    /// The file's bytes.
    /// - Throws: `ConfigError.unreadable` naming the file and the system error.
    static func contents(of path: String) throws(ConfigError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigError(.unreadable, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError(.unreadable, "cannot read: \(String(cString: strerror(errno)))", file: path)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > maxBytes {
                throw ConfigError(.unreadable, "file is larger than 1 MiB", file: path)
            }
        }
    }
}
