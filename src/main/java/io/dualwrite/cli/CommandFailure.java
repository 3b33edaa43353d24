package io.dualwrite.cli;

/** Ends a command with a message for the operator (no stack trace) and an exit code of {@link ExitCodes}. */
final class CommandFailure extends RuntimeException {

    private final int exitCode;

    private CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CommandFailure unknownMigration(IllegalArgumentException cause) {
        return new CommandFailure(ExitCodes.UNKNOWN_MIGRATION, cause.getMessage(), cause);
    }

    static CommandFailure refused(RuntimeException cause) {
        return new CommandFailure(ExitCodes.REFUSED, cause.getMessage(), cause);
    }

    static CommandFailure unreachable(String message, Throwable cause) {
        return new CommandFailure(ExitCodes.MONGODB_UNREACHABLE, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
