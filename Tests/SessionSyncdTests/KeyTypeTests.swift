import Foundation
import PGListen
import Testing
@testable import SessionSyncd

@Suite struct KeyTypeTests {
    static let keyTypes = ["char(40)", "char(128)", "varchar(64)", "text"]
    static let dataTypes = ["text", "bytea"]

    @Test(arguments: keyTypes, dataTypes)
    func daemonSyncsEverySessionIdTypeAndBothDataTypes(keyType: String, dataType: String) async throws {
        try await withDaemonDatabase("""
            CREATE TABLE users (id integer PRIMARY KEY);
            INSERT INTO users VALUES (1), (2);
            CREATE TABLE sessions (session_id \(keyType) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data \(dataType));
            """) { db, daemon in
            try await db.install()
            #expect(try await db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'session_fields'::regclass AND attname = 'session_id'")
                    == db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sessions'::regclass AND attname = 'session_id'"))
            let long = String(repeating: "f", count: 40)  // fills CHAR(40) exactly
            try await db.put("before", try TestPickle.base64("{'uid': 1, 'current_page': '/before', 'user_role': 'a'}"))
            daemon = try await db.startDaemon()
            #expect(try await db.field("before", "current_page") == "/before")  // catch-up

            try await db.put("abc", try TestPickle.base64("{'uid': 2, 'current_page': '/abc', 'user_role': 'b'}", protocol: 0))
            try await db.put(long, try TestPickle.base64("{'uid': 1, 'current_page': '/long', 'user_role': 'c'}", protocol: 4))
            #expect(try await db.eventually { try await db.field("abc", "current_page") == "/abc" })
            #expect(try await db.eventually { try await db.field(long, "current_page") == "/long" })
            #expect(try await db.field("abc", "uid") == "2")

            try await db.put("abc", try TestPickle.base64("{'uid': 1, 'current_page': '/abc2', 'user_role': 'b'}"))
            #expect(try await db.eventually { try await db.field("abc", "current_page") == "/abc2" })
            // data_hash is sha256 of the data bytes.
            #expect(try await db.scalar("SELECT f.data_hash = sha256(\(dataType == "bytea" ? "s.data" : "convert_to(s.data, 'UTF8')")) FROM sessions s JOIN session_fields f USING (session_id) WHERE s.session_id = 'abc'") == "t")
            #expect(try await db.verifyReport().ok)
        }
    }
}
