#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a file descriptor is systemd's stream to the journal: systemd sets `$JOURNAL_STREAM` to
/// `<st_dev>:<st_ino>` (decimal) of the stream it connects to stdout/stderr (systemd.exec(5)). A
/// process whose stderr was redirected elsewhere (a file, a pipe, a terminal) inherits the variable
/// but not the stream, hence the comparison.
enum JournalStream {
    /// True when `value` names the file `fd` is open on.
    /// - Parameters:
    ///   - value: `$JOURNAL_STREAM` (nil or malformed: false).
    ///   - fd: usually 2 (stderr).
    static func matches(_ value: String?, fd: Int32) -> Bool {
        guard let (device, inode) = parse(value) else { return false }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return UInt64(st.st_dev) == device && UInt64(st.st_ino) == inode
    }

    /// `dev:inode` as two numbers.
    static func parse(_ value: String?) -> (device: UInt64, inode: UInt64)? {
        guard let parts = value?.split(separator: ":", omittingEmptySubsequences: false), parts.count == 2,
              let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return (device, inode)
    }
}
