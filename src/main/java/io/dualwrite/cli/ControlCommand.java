package io.dualwrite.cli;

import java.io.PrintWriter;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobOperations;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pause}, {@code resume}, {@code cancel} and {@code rate}: change the active run through MongoDB, which every
 * worker of the run reads before each batch, in whatever process it runs.
 */
abstract class ControlCommand extends MigrationCommand {

    @Option(names = "--job", paramLabel = "copy|verify|reverse-copy|reverse-verify", defaultValue = "copy",
            converter = JobKindConverter.class,
            description = "Which run: copy (default), verify, reverse-copy or reverse-verify.")
    JobKind job;

    ControlCommand(Session session) {
        super(session);
    }

    @Override
    final int work(ConfigurableApplicationContext context) {
        Session.requireMigration(context, migrationId);
        JobOperations operations = JobCommand.operations(context, job);
        JobRun run;
        try {
            run = apply(operations);
        }
        catch (IllegalStateException ex) {
            throw CommandFailure.refused(ex);
        }
        PrintWriter out = session.out();
        out.println(done(run));
        out.println("  " + JobReport.summary(run));
        return ExitCodes.OK;
    }

    /** Makes the change. */
    abstract JobRun apply(JobOperations operations);

    /** What was done, in a sentence. */
    abstract String done(JobRun run);

    String runName(JobRun run) {
        return job.tag() + " run " + run.id() + " of '" + run.migrationId() + "'";
    }

    /** {@code copy}, {@code verify}, {@code reverse-copy} or {@code reverse-verify}, in any case. */
    static final class JobKindConverter implements picocli.CommandLine.ITypeConverter<JobKind> {

        @Override
        public JobKind convert(String value) {
            try {
                return JobKind.fromTag(value.toLowerCase(Locale.ROOT));
            }
            catch (IllegalArgumentException ex) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a job: use "
                        + JobKind.tags());
            }
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Pauses the active run: every worker, in every process, finishes its batch, checkpoints "
                    + "and waits for a resume.",
            exitCodeListHeading = "%nExit codes:%n")
    static final class Pause extends ControlCommand {

        Pause(Session session) {
            super(session);
        }

        @Override
        JobRun apply(JobOperations operations) {
            return operations.pause(migrationId);
        }

        @Override
        String done(JobRun run) {
            return String.format(Locale.ROOT, "Paused %s at %.0f%%: its workers finish their batch and wait. "
                    + "Resume with 'resume --migration %s%s'.", runName(run), run.fractionDone() * 100, migrationId,
                    job == JobKind.COPY ? "" : " --job " + job.tag());
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Resumes a paused run: its waiting workers, in every process, go on from their checkpoints.",
            exitCodeListHeading = "%nExit codes:%n")
    static final class Resume extends ControlCommand {

        Resume(Session session) {
            super(session);
        }

        @Override
        JobRun apply(JobOperations operations) {
            return operations.resume(migrationId);
        }

        @Override
        String done(JobRun run) {
            return String.format(Locale.ROOT, "Resumed %s at %.0f%%. (Only processes that still run workers on it "
                    + "go on; if none does, start '%s --migration %s'.)", runName(run), run.fractionDone() * 100,
                    job.tag(), migrationId);
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Cancels the active run for good: every worker stops after its batch; a later copy or "
                    + "verify starts a new run from the beginning.",
            exitCodeListHeading = "%nExit codes:%n")
    static final class Cancel extends ControlCommand {

        Cancel(Session session) {
            super(session);
        }

        @Override
        JobRun apply(JobOperations operations) {
            return operations.cancel(migrationId);
        }

        @Override
        String done(JobRun run) {
            return String.format(Locale.ROOT, "Cancelled %s at %.0f%%; a later '%s' starts a new run.", runName(run),
                    run.fractionDone() * 100, job.tag());
        }
    }

    @Command(name = "rate", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Changes the rate limit of the active run, shared by all its workers in every process; "
                    + "they apply it from their next batch.",
            exitCodeListHeading = "%nExit codes:%n")
    static final class Rate extends ControlCommand {

        @Option(names = "--rate", required = true, paramLabel = "DOCS_PER_S",
                description = "Documents per second for the whole run, 0 for no limit.")
        Double rate;

        Rate(Session session) {
            super(session);
        }

        @Override
        void validate() {
            if (rate < 0 || rate.isNaN() || rate.isInfinite()) {
                throw invalid("Invalid value for option '--rate': it must be 0 (no limit) or a positive number of "
                        + "documents per second, got " + rate);
            }
        }

        @Override
        JobRun apply(JobOperations operations) {
            return operations.setRate(migrationId, rate);
        }

        @Override
        String done(JobRun run) {
            return "Set the rate limit of " + runName(run) + " to " + (rate > 0
                    ? String.format(Locale.ROOT, "%,.0f documents/s", rate) : "none") + "; its workers apply it "
                    + "from their next batch.";
        }
    }
}
