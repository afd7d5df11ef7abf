import CLibPQ
public enum PGListenPlaceholder { public static var libpqVersion: Int32 { PQlibVersion() } }
