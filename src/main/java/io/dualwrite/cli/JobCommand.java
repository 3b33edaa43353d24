package io.dualwrite.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.copier.Copier;
import io.dualwrite.copier.CopyOperations;
import io.dualwrite.copier.Counts;
import io.dualwrite.copier.DeadLetter;
import io.dualwrite.copier.Difference;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobOperations;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Verifier;
import picocli.CommandLine.Option;

/**
 * {@code copy}, {@code verify}, {@code reverse-copy} and {@code reverse-verify}: join the migration's active run or
 * start one, work on it with this process's
 * workers while a progress bar shows the whole run, then print the report. Ctrl-C or SIGTERM stops the workers in an
 * orderly way (they finish their batch, checkpoint and release their partitions), so a later run resumes.
 */
abstract class JobCommand extends MigrationCommand {

    /** How often the run is read for the progress bar. */
    static final Duration POLL = Duration.ofMillis(Progress.REFRESH_MILLIS);

    /** How long the workers get to stop when the command itself failed (they cannot checkpoint without MongoDB). */
    static final Duration FAILURE_GRACE = Duration.ofSeconds(5);

    /** How many dead letters the report of a copy lists. */
    static final int DEAD_LETTERS_SHOWN = 10;

    private final JobKind kind;

    @Option(names = "--workers", paramLabel = "N",
            description = "Worker threads in this process, 1 to 256 (default: dualwrite.copier.workers, 1).")
    private Integer workers;

    @Option(names = "--rate", paramLabel = "DOCS_PER_S",
            description = "Rate limit of the whole run in documents per second, 0 for none (default: "
                    + "dualwrite.copier.rate, 0). Given when joining a run, it changes that run's limit.")
    private Double rate;

    @Option(names = "--batch", paramLabel = "N",
            description = "Documents per batch, 1 to 100000 (default: dualwrite.copier.batch-size, 1000). Only for a "
                    + "new run.")
    private Integer batch;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Ranges of _id a new run is split into, 1 to 10000 (default: dualwrite.copier.partitions, "
                    + "16). Only for a new run.")
    private Integer partitions;

    @Option(names = "--no-progress", description = "Show no progress bar, only the final report.")
    private boolean noProgress;

    JobCommand(Session session, JobKind kind) {
        super(session);
        this.kind = kind;
    }

    /** Checks the numbers before anything starts. */
    @Override
    void validate() {
        JobOptions base = JobOptions.defaults();
        check("--workers", workers, () -> base.withWorkers(workers));
        check("--batch", batch, () -> base.withBatchSize(batch));
        check("--partitions", partitions, () -> base.withPartitions(partitions));
        check("--rate", rate, () -> base.withRate(rate));
    }

    private void check(String option, Object value, Runnable validation) {
        if (value == null) {
            return;
        }
        try {
            validation.run();
        }
        catch (IllegalArgumentException ex) {
            throw invalid("Invalid value for option '" + option + "': " + ex.getMessage());
        }
    }

    /** The configured defaults with the numbers given on the command line. */
    private JobOptions withOverrides(JobOptions defaults) {
        JobOptions options = defaults;
        options = workers != null ? options.withWorkers(workers) : options;
        options = batch != null ? options.withBatchSize(batch) : options;
        options = partitions != null ? options.withPartitions(partitions) : options;
        return rate != null ? options.withRate(rate) : options;
    }

    @Override
    final int work(ConfigurableApplicationContext context) throws InterruptedException {
        Session.requireMigration(context, migrationId);
        JobOperations operations = operations(context, kind);
        Clock clock = context.getBean(Clock.class);
        PrintWriter out = session.out();
        PrintWriter err = session.err();
        if (session.stopRequested()) {
            err.println("Stop requested before the " + kind.tag() + " began; nothing was started.");
            return ExitCodes.STOPPED;
        }
        Optional<JobRun> before = operations.active(migrationId);
        JobHandle handle = operations.start(migrationId, withOverrides(operations.defaults()));
        try {
            session.whenStopped(() -> {
                err.println("Stop requested: the workers of this process finish their batch and release their "
                        + "partitions...");
                err.flush();
                handle.stop();
            });
            JobRun run = handle.run();
            announce(operations, run, before.filter(active -> active.id().equals(run.id())).isPresent(), clock);
            try (Progress progress = Progress.start(noProgress ? Progress.Mode.NONE : session.progressMode(), err,
                    session.progressLineInterval(), run, clock.instant())) {
                while (!handle.await(POLL)) {
                    progress.update(handle.run(), clock.instant());
                }
                progress.update(handle.run(), clock.instant());
            }
        }
        finally {
            if (!handle.isDone()) { // the loop failed (MongoDB gone?): ask the workers to stop all the same
                handle.stop();
                handle.await(FAILURE_GRACE);
            }
        }
        return report(context, handle, clock.instant());
    }

    private void announce(JobOperations operations, JobRun run, boolean joined, Clock clock) {
        PrintWriter err = session.err();
        int here = workers != null ? workers : operations.defaults().workers();
        String limit = run.rate() > 0 ? String.format(Locale.ROOT, "at most %,.0f documents/s", run.rate())
                : "no rate limit";
        if (joined) {
            err.printf(Locale.ROOT, "Joined %s run %s of '%s' (started %s by %s, %.0f%% done): %d partitions, "
                    + "batches of %,d, %s; %d worker(s) in this process.%n", kind.tag(), run.id(), migrationId,
                    run.startedAt(), run.startedBy(), run.fractionDone() * 100, run.partitions(), run.batchSize(),
                    limit, here);
            if (batch != null || partitions != null) {
                err.println("Note: --batch and --partitions apply to new runs only; the joined run keeps its own.");
            }
            if (rate != null && rate != run.rate()) {
                try {
                    operations.setRate(migrationId, rate);
                    err.printf(Locale.ROOT, "Changed the rate limit of the run to %s.%n",
                            rate > 0 ? String.format(Locale.ROOT, "%,.0f documents/s", rate) : "none");
                }
                catch (IllegalStateException ex) { // the run ended meanwhile
                    err.println("Could not change the rate limit: " + ex.getMessage());
                }
            }
        }
        else {
            err.printf(Locale.ROOT, "Started %s run %s of '%s': about %,d documents, %d partitions, batches of %,d, "
                    + "%s; %d worker(s) in this process.%n", kind.tag(), run.id(), migrationId, run.estimatedTotal(),
                    run.partitions(), run.batchSize(), limit, here);
        }
        if (run.status() == JobStatus.PAUSED) {
            err.println("The run is paused: the workers wait until it is resumed ('resume --migration " + migrationId
                    + (kind == JobKind.COPY ? "" : " --job " + kind.tag()) + "').");
        }
        err.flush();
    }

    private int report(ConfigurableApplicationContext context, JobHandle handle, Instant now) {
        PrintWriter out = session.out();
        PrintWriter err = session.err();
        JobRun run = handle.run();
        String what = what(kind);
        if (handle.failure() != null) {
            out.println(what + " run " + run.id() + " so far: " + JobReport.summary(run));
            err.println("The workers of this process gave up after repeated failures: " + handle.failure().getMessage()
                    + ". The run stays " + run.status().name().toLowerCase(Locale.ROOT) + "; fix the cause and run '"
                    + kind.tag() + " --migration " + migrationId + "' again: it resumes from its checkpoints.");
            return ExitCodes.FAILED;
        }
        switch (run.status()) {
            case FINISHED -> {
                Duration took = Duration.between(run.startedAt(), run.finishedAt());
                out.println(what + " run " + run.id() + " of '" + migrationId + "' finished in "
                        + JobReport.format(took) + ": " + JobReport.summary(run));
                return kind == JobKind.COPY ? reportCopy(context, run)
                        : kind == JobKind.REVERSE_COPY ? reportReverseCopy(context, run) : reportVerification(run);
            }
            case CANCELLED -> {
                out.println(what + " run " + run.id() + " of '" + migrationId + "' was cancelled at "
                        + run.finishedAt() + ": " + JobReport.summary(run));
                err.println("The run was cancelled; '" + kind.tag() + " --migration " + migrationId
                        + "' starts a new one from the beginning.");
                return ExitCodes.CANCELLED;
            }
            default -> {
                out.println(what + " run " + run.id() + " of '" + migrationId + "' so far: "
                        + JobReport.progressLine(run, 0, now));
                err.println("Stopped: the workers of this process released their partitions. The run stays "
                        + run.status().name().toLowerCase(Locale.ROOT) + "; '" + kind.tag() + " --migration "
                        + migrationId + "' (here or in any other process) resumes it from its checkpoints.");
                return ExitCodes.STOPPED;
            }
        }
    }

    private int reportCopy(ConfigurableApplicationContext context, JobRun run) {
        PrintWriter err = session.err();
        if (!run.allWritingBothAtStart()) {
            err.println("Warning: this copy started while not every instance wrote both shapes (" + run.startCondition()
                    + "), so it does not back the switch to reading new. Run the copy again once every instance is in "
                    + "READ_OLD_WRITE_BOTH.");
        }
        return reportDeadLetters(context.getBean(Copier.class), run, "Warning: %,d document(s) could not be copied "
                + "and were dead-lettered; the migration has %,d dead letter(s) in all (collection "
                + "dualwrite_dead_letters). Fix the documents or the mapping and copy again: the next run retries "
                + "them.%n");
    }

    private int reportReverseCopy(ConfigurableApplicationContext context, JobRun run) {
        PrintWriter err = session.err();
        if (!run.allWritingBothAtStart()) {
            err.println("Note: this reverse copy started while not every instance wrote both shapes ("
                    + run.startCondition() + "): it wrote the old shape on new's behalf and handed nothing back. That "
                    + "is what going back to READ_NEW_WRITE_BOTH needs (with a clean reverse-verify); going back to "
                    + "READ_OLD_WRITE_BOTH needs another reverse copy once every instance is in READ_NEW_WRITE_BOTH.");
        }
        else if (run.newOnly() > 0) {
            err.printf(Locale.ROOT, "Note: %,d document(s) are still decided by the new shape alone (written while this "
                    + "run went on); run the reverse copy again before going back to READ_OLD_WRITE_BOTH.%n",
                    run.newOnly());
        }
        else {
            err.println("Every entity is handed back to the old shape: going back to READ_OLD_WRITE_BOTH is safe once "
                    + "a reverse-verify is clean.");
        }
        return reportDeadLetters(context.getBean(ReverseCopier.class), run, "Warning: %,d new document(s) could not "
                + "be copied to the old shape and were dead-lettered; the reverse copy of the migration has %,d dead "
                + "letter(s) in all (collection dualwrite_dead_letters, kind reverse-copy). Fix the documents or the "
                + "mapping and run reverse-copy again: the next run retries them.%n");
    }

    /**
     * Exit 0 when the copy dead-lettered nothing; otherwise the warning (formatted with the run's dead letters and
     * the migration's, of the copy's kind), the first of them, and exit 6.
     */
    private int reportDeadLetters(CopyOperations copier, JobRun run, String warning) {
        long deadLettered = run.count(Counts.DEAD_LETTERED);
        if (deadLettered == 0) {
            return ExitCodes.OK;
        }
        PrintWriter err = session.err();
        long total = copier.deadLetterCount(migrationId);
        err.printf(Locale.ROOT, warning, deadLettered, total);
        for (DeadLetter letter : copier.deadLetters(migrationId, DEAD_LETTERS_SHOWN)) {
            err.println("  " + letter.documentId() + ": " + letter.error());
        }
        if (total > DEAD_LETTERS_SHOWN) {
            err.printf(Locale.ROOT, "  ... and %,d more%n", total - DEAD_LETTERS_SHOWN);
        }
        return ExitCodes.FINISHED_WITH_PROBLEMS;
    }

    private int reportVerification(JobRun run) {
        if (run.isClean()) {
            session.out().println(kind == JobKind.REVERSE_VERIFY
                    ? String.format(Locale.ROOT, "Clean: every document of the new shape has its match in the old "
                            + "shape%s.", run.newOnly() == 0 ? "" : String.format(Locale.ROOT, " (%,d still decided "
                                    + "by the new shape alone, not compared: hand them back with reverse-copy once "
                                    + "every instance is in READ_NEW_WRITE_BOTH)", run.newOnly()))
                    : "Clean: every document of the old shape has its match in the new shape.");
            return ExitCodes.OK;
        }
        PrintWriter out = session.out();
        out.printf(Locale.ROOT, "NOT clean: %,d difference(s).%n", run.differences());
        if (!run.examples().isEmpty()) {
            out.println("Examples (" + run.examples().size() + "):");
            printExamples(out, run);
        }
        if (run.count(Counts.UNREPAIRED) > 0) {
            out.printf(Locale.ROOT, "%,d failed second write(s) are recorded and not repaired yet (collection "
                    + "dualwrite_repairs).%n", run.count(Counts.UNREPAIRED));
        }
        return ExitCodes.FINISHED_WITH_PROBLEMS;
    }

    /** The bean that runs jobs of a kind. */
    static JobOperations operations(ConfigurableApplicationContext context, JobKind kind) {
        return switch (kind) {
            case COPY -> context.getBean(Copier.class);
            case VERIFY -> context.getBean(Verifier.class);
            case REVERSE_COPY -> context.getBean(ReverseCopier.class);
            case REVERSE_VERIFY -> context.getBean(ReverseVerifier.class);
        };
    }

    /** "Copy", "Verification", "Reverse copy", "Reverse verification". */
    static String what(JobKind kind) {
        return switch (kind) {
            case COPY -> "Copy";
            case VERIFY -> "Verification";
            case REVERSE_COPY -> "Reverse copy";
            case REVERSE_VERIFY -> "Reverse verification";
        };
    }

    /** The differences with their field diffs, two lines or more each. */
    static void printExamples(PrintWriter out, JobRun run) {
        for (Difference difference : run.examples()) {
            out.println("  " + difference.kind() + " " + difference.id() + ": " + difference.detail());
            for (Difference.FieldDifference field : difference.fields()) {
                out.println("      " + field.field() + ": expected " + value(field.expected()) + ", found "
                        + value(field.actual()));
            }
        }
    }

    private static String value(Object value) {
        if (value == null) {
            return "(absent)";
        }
        return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
    }
}
