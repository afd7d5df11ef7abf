import PGListen
print("session-syncd placeholder, libpq \(PGListenPlaceholder.libpqVersion)")
