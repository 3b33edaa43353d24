package io.dualwrite.cli;

import com.mongodb.ConnectionString;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top command: the options every command shares; without a command it prints the usage. */
@Command(mixinStandardHelpOptions = true, versionProvider = RootCommand.Version.class,
        description = { "Operates the copier and the verifier of the application's migrations: backfill the new shape "
                + "(copy), compare both shapes (verify), the same back from the new shape to the old one for a "
                + "rollback from READ_NEW_WRITE_NEW (reverse-copy, reverse-verify), watch them (status), control a "
                + "run from any process (pause, resume, cancel, rate), complete failed second writes (repair), and "
                + "remove the old shape once every instance is done with it (cleanup). Runs, partitions, checkpoints "
                + "and leases live in MongoDB, so any "
                + "number of processes share one run.",
                "", "MongoDB: --mongodb-uri, else MONGODB_URI or spring.mongodb.uri, else the embedded in-process "
                        + "server (which holds only this process's data)." },
        exitCodeListHeading = "%nExit codes:%n", footerHeading = "%n",
        footer = "Run '<command> --help' for a command's options. Documentation: docs/copier.md")
final class RootCommand implements Runnable {

    private final Session session;

    @Spec
    private CommandSpec spec;

    RootCommand(Session session) {
        this.session = session;
    }

    @Option(names = "--mongodb-uri", paramLabel = "URI", scope = ScopeType.INHERIT,
            description = "MongoDB connection string (default: MONGODB_URI or spring.mongodb.uri, else the embedded "
                    + "server). Without serverSelectionTimeoutMS in it, an unreachable server is reported after 5 s.")
    void mongodbUri(String uri) {
        try {
            new ConnectionString(uri);
        }
        catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--mongodb-uri': "
                    + ex.getMessage());
        }
        session.mongodbUri(uri);
    }

    @Option(names = { "-v", "--verbose" }, scope = ScopeType.INHERIT,
            description = "Log at INFO level and print the stack trace of unexpected errors.")
    void verbose(boolean verbose) {
        session.verbose(verbose);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The library's version, from its jar manifest when there is one. */
    static final class Version implements picocli.CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            String version = RootCommand.class.getPackage().getImplementationVersion();
            return new String[] { "dualwrite " + (version != null ? version : "(development build)") };
        }
    }
}
