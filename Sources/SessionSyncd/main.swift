import PGListen
print("session-syncd placeholder, libpq \(PGConnection.libpqVersion)")
