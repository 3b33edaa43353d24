package io.dualwrite.cli;

/**
 * The exit codes of the command line, for scripts and job schedulers. Every code but {@link #OK} comes with a message
 * on standard error saying what happened and what to do.
 */
public final class ExitCodes {

    /**
     * The command did what it was asked: the run finished (and, for a verification, found nothing), the change was
     * made, or (repair) nothing is left unrepaired.
     */
    public static final int OK = 0;

    /** An unexpected error (a bug, or the application failed to start); the message says which. */
    public static final int ERROR = 1;

    /** Bad command line: unknown command or option, missing option, a value out of its range. Nothing was done. */
    public static final int USAGE = 2;

    /** No migration has the given id; the message lists the declared ones. Nothing was done. */
    public static final int UNKNOWN_MIGRATION = 3;

    /** MongoDB could not be reached (or refused the credentials). Nothing was done. */
    public static final int MONGODB_UNREACHABLE = 4;

    /**
     * The control command does not apply now (no active run to pause, the run is already paused, ...), or a cleanup
     * was refused (not allowed now, or its token no longer matches a dry run). Nothing changed.
     */
    public static final int REFUSED = 5;

    /**
     * The run finished with problems: a copy that dead-lettered documents, a verification that found differences, or
     * a repair that left failed second writes unrepaired. The report lists them.
     */
    public static final int FINISHED_WITH_PROBLEMS = 6;

    /** The run was cancelled by an operator; a new run starts from the beginning. */
    public static final int CANCELLED = 7;

    /**
     * This process stopped working on the run before it finished (it was asked to stop); the run stays active and
     * resumes from its checkpoints when started again. When the stop came from a signal, the shell sees the JVM's
     * status instead (130 for Ctrl-C, 143 for SIGTERM).
     */
    public static final int STOPPED = 8;

    /** The workers of this process gave up after repeated failures; the run stays active and resumes when started again. */
    public static final int FAILED = 9;

    /** The lines {@code --help} prints under "Exit codes". */
    static final String[] HELP = {
            "0:done: the run finished (a verification: clean), the change was made, or nothing is left to repair",
            "1:unexpected error, or the application failed to start",
            "2:bad command line (unknown option, missing or out-of-range value)",
            "3:unknown migration id (the message lists the declared ones)",
            "4:MongoDB unreachable or credentials refused",
            "5:refused: no active run, or it is not in a state the command applies to; cleanup not allowed now or stale token",
            "6:finished with problems: documents dead-lettered, verification differences, writes left unrepaired",
            "7:the run was cancelled",
            "8:stopped before the end; the run resumes when started again (130/143 on Ctrl-C/SIGTERM)",
            "9:the workers gave up after repeated failures; the run resumes when started again" };

    private ExitCodes() {
    }
}
