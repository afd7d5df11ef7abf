import ArgumentParser

/// `session-syncd`: keeps session_fields, a typed mirror of web.py's pickled sessions, in sync.
@main
struct SessionSyncdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-syncd",
        abstract: "Keep session_fields, a typed and indexed mirror of web.py sessions, in sync.",
        discussion: """
            Connection: --dsn (libpq conninfo or URI), else [database] dsn of --config, \
            else libpq's defaults and the PG* environment variables.
            """,
        version: SessionSyncdVersion.current,
        subcommands: [InstallCommand.self, RunCommand.self, StatusCommand.self, VerifyCommand.self, ResyncCommand.self, DecodeCommand.self]
    )
}
