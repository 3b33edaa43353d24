package io.dualwrite.copier;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Sentences about runs, for logs, the command line and the status endpoint. */
public final class JobReport {

    private JobReport() {
    }

    /** "copied 1,000, skipped as newer 20, dead-lettered 0" or the verification's findings. */
    public static String summary(JobRun run) {
        if (run.kind() == JobKind.COPY) {
            return String.format(Locale.ROOT, "%s documents scanned: copied %,d, skipped as newer %,d, dead-lettered "
                    + "%,d, deletes caught %,d", number(run.processed()), run.count(Counts.COPIED),
                    run.count(Counts.SKIPPED), run.count(Counts.DEAD_LETTERED), run.count(Counts.DELETES_CAUGHT));
        }
        if (run.kind() == JobKind.REVERSE_COPY) {
            return String.format(Locale.ROOT, "%s new documents scanned: copied to old %,d, skipped as newer %,d, "
                    + "dead-lettered %,d, deletes caught %,d, handed back %,d%s", number(run.processed()),
                    run.count(Counts.COPIED), run.count(Counts.SKIPPED), run.count(Counts.DEAD_LETTERED),
                    run.count(Counts.DELETES_CAUGHT), run.count(Counts.HANDED_BACK),
                    run.status() == JobStatus.FINISHED ? String.format(Locale.ROOT, ", still decided by new %,d",
                            run.newOnly()) : "");
        }
        String newOnly = run.kind() == JobKind.REVERSE_VERIFY
                ? String.format(Locale.ROOT, ", decided by new %,d", run.newOnly()) : "";
        return String.format(Locale.ROOT, "%s documents compared: missing %,d, stale %,d, different %,d, extra %,d, "
                + "unconvertible %,d, unrepaired second writes %,d%s%s", number(run.processed()),
                run.count(Counts.MISSING), run.count(Counts.STALE), run.count(Counts.DIFFERENT),
                run.count(Counts.EXTRA), run.count(Counts.UNCONVERTIBLE), run.count(Counts.UNREPAIRED), newOnly,
                run.status() == JobStatus.FINISHED ? (run.isClean() ? " (clean)" : " (NOT clean)") : "");
    }

    /** One progress line: done of total, percentage, rate, ETA and the counters. */
    public static String progressLine(JobRun run, double recentRate, Instant now) {
        double rate = recentRate > 0 ? recentRate : run.averageRate(now);
        Duration eta = run.eta(now);
        return String.format(Locale.ROOT, "%s run %s of '%s' %s: %,d / ~%,d (%.0f%%), %,.0f docs/s, ETA %s, partitions "
                + "%d/%d; %s", run.kind().tag(), run.id(), run.migrationId(), run.status().name().toLowerCase(Locale.ROOT),
                run.processed(), run.estimatedTotal(), run.fractionDone() * 100, rate, eta == null ? "-" : format(eta),
                run.partitionsDone(), run.partitions(), summary(run));
    }

    /** "1h02m03s", "4m05s", "12s". */
    public static String format(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm%02ds", seconds / 3600, (seconds % 3600) / 60, seconds % 60);
        }
        if (seconds >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return seconds + "s";
    }

    private static String number(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
