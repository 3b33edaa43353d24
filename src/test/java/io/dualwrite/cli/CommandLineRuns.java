package io.dualwrite.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import io.dualwrite.fixtures.FixtureApplication;

/** Runs the command line in-process on the fixture application and captures what it prints. */
final class CommandLineRuns {

    private CommandLineRuns() {
    }

    /** What a command printed, and its exit code. */
    record Result(int exitCode, String out, String err) {
    }

    /** The fixture application's command line on the embedded server's {@code database}, with no toggle files. */
    static DualWriteCommandLine fixture(String database) {
        return DualWriteCommandLine.forApplication(FixtureApplication.class)
                .defaultProperties(Map.of("dualwrite.embedded.database", database,
                        "dualwrite.toggles.environment", "none"));
    }

    /** Runs {@code args}, capturing standard output and standard error. */
    static Result execute(DualWriteCommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = commandLine.output(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
