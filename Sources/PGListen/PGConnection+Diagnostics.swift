import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PGConnection {
    /// TCP keepalive state of the connection's socket, read with getsockopt.
    struct KeepaliveState: Sendable, Equatable {
        var enabled: Bool
        /// TCP_KEEPIDLE in seconds (Linux); nil where unavailable.
        var idleSeconds: Int32?
    }

    /// Reads the socket's keepalive options (for diagnostics and tests).
    func keepaliveState() async throws(PGError) -> KeepaliveState {
        try await perform(timeout: nil, cancelOnTimeout: false) { (handle, _, _) throws(PGError) -> KeepaliveState in
            let socket = PQsocket(try handle.open())
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &value, &length) == 0 else {
                throw PGError(.invalidArgument, "getsockopt(SO_KEEPALIVE) failed (errno \(errno))", isConnectionError: false)
            }
            var state = KeepaliveState(enabled: value != 0, idleSeconds: nil)
            #if os(Linux)
            var idle: Int32 = 0
            length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, &length) == 0 {
                state.idleSeconds = idle
            }
            #endif
            return state
        }
    }
}
