package io.dualwrite.cli;

import java.util.concurrent.Callable;

import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every command shares: it checks its options ({@link #validate()}), then does its {@link #work} on the
 * application started by the {@link Session}, which turns failures into messages and exit codes.
 */
abstract class SessionCommand implements Callable<Integer> {

    final Session session;

    @Spec
    CommandSpec spec;

    SessionCommand(Session session) {
        this.session = session;
    }

    @Override
    public final Integer call() {
        validate();
        return session.run(this::work);
    }

    /** Checks the options before anything starts; a bad one is reported with {@link #invalid}. */
    void validate() {
    }

    /** What the command does with the started application; returns the exit code. */
    abstract int work(ConfigurableApplicationContext context) throws Exception;

    /** A bad command line (exit 2): the message, then the command's usage. */
    ParameterException invalid(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
