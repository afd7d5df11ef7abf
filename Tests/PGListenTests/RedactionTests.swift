import Testing
@testable import PGListen

@Suite struct RedactionTests {
    @Test(arguments: [
        ("host=db password=hunter2 user=app", "hunter2"),
        ("password=hunter2", "hunter2"),
        ("host=db password = hunter2", "hunter2"),
        ("host=db password='hunter 2 with spaces' user=x", "hunter 2 with spaces"),
        ("host=db password='it\\'s \\\\ tricky' user=x", "tricky"),
        ("PASSWORD=Hunter2", "Hunter2"),
        ("postgresql://app:hunter2@db.example:5432/app", "hunter2"),
        ("postgres://app:hunter2@[::1]:5432/app?sslmode=require", "hunter2"),
        ("postgresql://app:hu/nt@er2@db/app", "er2"),
        ("postgresql://db/app?user=app&password=hunter2&sslmode=require", "hunter2"),
        ("postgresql://app@db/app?password=hunter2", "hunter2"),
        ("conninfo was: host=a password=hunter2\nsecond line", "hunter2"),
        // Issue 15 item 7: every value, not only `password`'s.
        ("host=db sslpassword=hunter2 sslmode=require", "hunter2"),
        ("host=db pasword=hunter2 user=app", "hunter2"),
        ("host=db passwd = 'hunter2' user=app", "hunter2"),
        ("host=db password=hun\\ ter2 user=app", "ter2"),
        ("host=db password=hun\\'ter2 user=app", "ter2"),
        ("host=db password='hun\\' ter2' user=app", "ter2"),
        ("host=db user=app\\ password=hunter2", "hunter2"),
        ("postgresql://db/app?sslpassword=hunter2&sslmode=require", "hunter2"),
        ("postgresql://db/app?pasword=hunter2", "hunter2"),
        ("postgresql://db/app?user=app&options=-c%20x%3Dhunter2", "hunter2"),
        ("missing \"=\" after \"hunter2\" in connection info string", "hunter2"),
    ])
    func removesPasswords(input: String, secret: String) {
        let redacted = PGRedaction.redact(input)
        #expect(!redacted.contains(secret), "leaked: \(redacted)")
        #expect(redacted.contains(PGRedaction.mask))
    }

    @Test func keepsEverythingElse() {
        #expect(PGRedaction.redact("host=db password=x user=app dbname=d")
                == "host=db password=*** user=app dbname=d")
        #expect(PGRedaction.redact("postgresql://app:secret@db:5432/app?sslmode=require")
                == "postgresql://app:***@db:5432/app?sslmode=require")
        #expect(PGRedaction.redact("postgresql://app@db/app") == "postgresql://app@db/app")
        #expect(PGRedaction.redact("mypassword=secret host=x") == "mypassword=*** host=x")
        #expect(PGRedaction.redact("host=db pasword=a\\ b sslpassword='c\\' d' port=5432 user=app")
                == "host=db pasword=*** sslpassword=*** port=5432 user=app")
        #expect(PGRedaction.redact("postgresql://db/app?user=app&sslpassword=x&sslmode=require")
                == "postgresql://db/app?user=app&sslpassword=***&sslmode=require")
        #expect(PGRedaction.redact("password authentication failed for user \"app\"")
                == "password authentication failed for user \"app\"")
    }

    @Test func configurationRedactsConninfo() {
        let config = PGConnectionConfiguration(conninfo: "host=db user=app password='p w'")
        #expect(config.redactedConninfo == "host=db user=app password=***")
    }

    @Test func errorDescriptionRedactsAndOmitsDetail() {
        let error = PGError(.connectionFailed, "failed for postgresql://u:topsecret@h/db",
                            detail: "Key (session_id)=(abc123) already exists.")
        #expect(!error.description.contains("topsecret"))
        #expect(!error.description.contains("abc123"))
        #expect(error.isConnectionError)
    }

    @Test func defaultsComeBeforeTheOperatorsConninfo() {
        let config = PGConnectionConfiguration(conninfo: "host=db application_name=mine")
        let params = config.libpqParameters { _ in nil }
        let keys = params.map(\.0)
        #expect(keys.last == "dbname")
        #expect(params.last?.1 == "host=db application_name=mine")
        for key in ["application_name", "keepalives", "keepalives_idle", "keepalives_interval",
                    "keepalives_count", "tcp_user_timeout", "connect_timeout"] {
            #expect(keys.contains(key), "missing default \(key)")
        }
        #expect(params.first { $0.0 == "keepalives" }?.1 == "1")
        #expect(params.first { $0.0 == "tcp_user_timeout" }?.1 == "30000")
        // Empty conninfo: libpq defaults and PG* variables; PGAPPNAME wins over our default.
        let envParams = PGConnectionConfiguration().libpqParameters { $0 == "PGAPPNAME" ? "fromenv" : nil }
        #expect(!envParams.contains { $0.0 == "dbname" || $0.0 == "application_name" })
    }
}
