import Foundation
import Testing

/// Issue 15 item 7: a failed connection prints the conninfo with every value but the harmless
/// ones (host, port, dbname, user, …) redacted: `sslpassword`, a misspelled password key, a
/// backslash-escaped password, an unknown option. Against the real server: the commands run.
@Suite struct ConnectErrorRedactionTests {
    static let secrets = ["S3cretSsl", "S3cretTypo", "ter2", "S3cretOpt"]

    @Test(arguments: [
        // libpq refuses the unknown key before connecting.
        "pasword=S3cretTypo sslpassword=S3cretSsl",
        // The server refuses the role; the escaped password's tail was printed in clear.
        "user=no_such_role_15 password=hun\\ ter2 sslpassword=S3cretSsl sslmode=disable",
        "user=no_such_role_15 passwd='S3cretTypo' options='-c x=S3cretOpt' sslmode=disable",
    ])
    func connectErrorsRedactEveryValue(extra: String) async throws {
        let db = try await DaemonTestDatabase.create()
        defer { Task { await db.drop() } }
        for command in ["verify", "install"] {
            let r = try DaemonProcess.run([command, "--dsn", "\(db.conninfo) \(extra)"])
            #expect(r.status != 0, "\(command) connected with \(extra)")
            let output = r.stdout + r.stderr
            #expect(output.contains(db.name), "\(command) should still name the database: \(output)")
            for secret in Self.secrets {
                #expect(!output.contains(secret), "\(command) leaked \(secret): \(output)")
            }
        }
        // `run` retries with backoff and logs each failure.
        let daemon = try DaemonProcess(["run", "--dsn", "\(db.conninfo) \(extra)"])
        let logged = try await daemon.waitForLog("cannot connect")
        let log = daemon.log
        _ = try await daemon.stop()
        #expect(logged, "run did not log the failure: \(log)")
        for secret in Self.secrets {
            #expect(!log.contains(secret), "run leaked \(secret): \(log)")
        }
    }
}
