package io.dualwrite.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.copier.Copier;
import io.dualwrite.copier.DeadLetter;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobOperations;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Verifier;
import io.dualwrite.spi.PhaseSource;
import picocli.CommandLine.Command;

/** {@code status}: the phase, the copy and verification runs and the dead letters of one or every migration. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Shows, for one migration or all of them: the phase, the active copy and verification runs "
                + "with their progress, rate and ETA, the latest finished ones with their results, and the dead "
                + "letters; the reverse copy and reverse verification runs too, once there are any. Reads MongoDB "
                + "only; changes nothing." },
        exitCodeListHeading = "%nExit codes:%n")
final class StatusCommand extends AllMigrationsCommand {

    /** How many dead letters are listed per migration. */
    static final int DEAD_LETTERS_SHOWN = 5;

    StatusCommand(Session session) {
        super(session);
    }

    @Override
    int work(ConfigurableApplicationContext context, List<String> ids) {
        PrintWriter out = session.out();
        PhaseSource phases = context.getBean(PhaseSource.class);
        Copier copier = context.getBean(Copier.class);
        Verifier verifier = context.getBean(Verifier.class);
        ReverseCopier reverseCopier = context.getBean(ReverseCopier.class);
        ReverseVerifier reverseVerifier = context.getBean(ReverseVerifier.class);
        Instant now = context.getBean(Clock.class).instant();
        for (String id : ids) {
            out.println(id + ": phase " + phases.currentPhase(id));
            runs(out, "copy:  ", copier, id, now);
            runs(out, "verify:", verifier, id, now);
            if (reverseCopier.latest(id).isPresent() || reverseVerifier.latest(id).isPresent()) {
                runs(out, "reverse-copy:  ", reverseCopier, id, now);
                runs(out, "reverse-verify:", reverseVerifier, id, now);
                long reverseDeadLetters = reverseCopier.deadLetterCount(id);
                if (reverseDeadLetters > 0) {
                    out.printf(Locale.ROOT, "  reverse-copy dead letters: %,d%n", reverseDeadLetters);
                    for (DeadLetter letter : reverseCopier.deadLetters(id, DEAD_LETTERS_SHOWN)) {
                        out.println(describe(letter));
                    }
                }
            }
            long deadLetters = copier.deadLetterCount(id);
            out.printf(Locale.ROOT, "  dead letters: %,d%n", deadLetters);
            for (DeadLetter letter : copier.deadLetters(id, DEAD_LETTERS_SHOWN)) {
                out.println(describe(letter));
            }
            if (deadLetters > DEAD_LETTERS_SHOWN) {
                out.printf(Locale.ROOT, "    ... and %,d more%n", deadLetters - DEAD_LETTERS_SHOWN);
            }
        }
        return ExitCodes.OK;
    }

    private static void runs(PrintWriter out, String label, JobOperations operations, String id, Instant now) {
        String indent = " ".repeat(label.length() + 3);
        Optional<JobRun> active = operations.active(id);
        Optional<JobRun> finished = operations.latestFinished(id);
        Optional<JobRun> latest = operations.latest(id);
        if (active.isEmpty() && latest.isEmpty()) {
            out.println("  " + label + " no run yet");
            return;
        }
        String prefix = "  " + label + " ";
        if (active.isPresent()) {
            out.println(prefix + "active: " + JobReport.progressLine(active.get(), 0, now));
            prefix = indent;
        }
        if (finished.isPresent()) {
            out.println(prefix + "latest finished: " + finished(finished.get()));
            prefix = indent;
        }
        Optional<JobRun> other = latest.filter(run -> run.status() == JobStatus.CANCELLED
                && finished.map(done -> done.startedAt().isBefore(run.startedAt())).orElse(true));
        if (other.isPresent()) {
            JobRun run = other.get();
            out.println(prefix + "latest cancelled: run " + run.id() + ", cancelled " + run.finishedAt() + ": "
                    + JobReport.summary(run));
        }
    }

    private static String describe(DeadLetter letter) {
        return "    " + letter.documentId() + " (run " + letter.runId() + ", " + letter.at() + "): " + letter.error();
    }

    private static String finished(JobRun run) {
        String text = "run " + run.id() + ", finished " + run.finishedAt() + ": " + JobReport.summary(run);
        if (run.kind() == JobKind.COPY) {
            text += "; started while every instance wrote both: " + (run.allWritingBothAtStart() ? "yes" : "no ("
                    + run.startCondition() + ")");
        }
        if (run.kind() == JobKind.REVERSE_COPY) {
            text += "; handed everything back to old: " + (run.handedEverythingBack() ? "yes" : "no ("
                    + (run.allWritingBothAtStart() ? run.newOnly() + " still decided by new"
                            : "not every instance wrote both: " + run.startCondition()) + ")");
        }
        return text;
    }
}
