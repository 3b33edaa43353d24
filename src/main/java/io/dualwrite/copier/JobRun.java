package io.dualwrite.copier;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.dualwrite.Phase;

/**
 * A copy or verification run (either way) of one migration, as stored in MongoDB (counts are summed over its
 * partitions).
 *
 * @param id the run id
 * @param migrationId the migration
 * @param kind copy, verify, reverse-copy or reverse-verify
 * @param status where the run stands
 * @param startedAt when the run was created
 * @param finishedAt when it finished or was cancelled, {@code null} while active
 * @param startedBy the worker that created it (host and process)
 * @param phaseAtStart the migration's shared phase when the run was created
 * @param allWritingBothAtStart whether, when the run was created, the shared phase wrote both shapes and every live
 * instance reported a phase that writes both: the condition under which a finished copy backs the switch to reading
 * new, and under which a reverse copy hands entities back to the old shape
 * @param startCondition why {@code allWritingBothAtStart} is what it is, in a sentence
 * @param estimatedTotal the source shape's estimated document count when the run was created
 * @param batchSize documents per batch
 * @param partitions partitions in all
 * @param partitionsDone partitions fully processed
 * @param rate the run-wide rate limit in documents per second (0: unlimited)
 * @param counts the counters of {@link Counts}
 * @param examples verification: up to the configured number of differences with field diffs
 */
public record JobRun(String id, String migrationId, JobKind kind, JobStatus status, Instant startedAt,
        Instant finishedAt, String startedBy, Phase phaseAtStart, boolean allWritingBothAtStart,
        String startCondition, long estimatedTotal, int batchSize, int partitions, int partitionsDone, double rate,
        Map<String, Long> counts, List<Difference> examples) {

    public JobRun {
        counts = Map.copyOf(counts);
        examples = List.copyOf(examples);
    }

    /** A counter's value (0 when never counted). */
    public long count(String name) {
        return counts.getOrDefault(name, 0L);
    }

    /** Source documents scanned so far. */
    public long processed() {
        return count(Counts.PROCESSED);
    }

    /**
     * For a verification (either way): finished and found no difference, nothing unconvertible and nothing unrepaired.
     * A reverse verification does not count documents the new shape alone still decides for ({@link #newOnly()}) as
     * differences: see {@link #handedEverythingBack()} for the condition of reading old again.
     */
    public boolean isClean() {
        return kind.isVerification() && status == JobStatus.FINISHED && differences() == 0;
    }

    /**
     * For a reverse copy or reverse verification: documents the new shape alone still decides for ({@link Counts#NEW_ONLY};
     * for a reverse copy, counted when it finished).
     */
    public long newOnly() {
        return count(Counts.NEW_ONLY);
    }

    /**
     * For a reverse copy: finished (not cancelled), started while every live instance wrote both shapes (so it handed
     * entities back to the old shape) and left no document that the new shape alone decides for. With a start after
     * the migration last left {@code READ_NEW_WRITE_NEW} (which the phase guard knows from its history), this is what
     * the switch from {@code READ_NEW_WRITE_BOTH} back to {@code READ_OLD_WRITE_BOTH} needs.
     */
    public boolean handedEverythingBack() {
        return kind == JobKind.REVERSE_COPY && status == JobStatus.FINISHED && allWritingBothAtStart && newOnly() == 0;
    }

    /** For a verification: the number of problems of every kind. */
    public long differences() {
        return count(Counts.MISSING) + count(Counts.STALE) + count(Counts.DIFFERENT) + count(Counts.EXTRA)
                + count(Counts.UNCONVERTIBLE) + count(Counts.UNREPAIRED);
    }

    /** Average documents per second since the start (up to the end for a finished run). */
    public double averageRate(Instant now) {
        Instant end = finishedAt != null ? finishedAt : now;
        double seconds = Math.max(0.001, Duration.between(startedAt, end).toMillis() / 1000d);
        return processed() / seconds;
    }

    /** Estimated time left at the average rate; {@code null} when unknown or finished. */
    public Duration eta(Instant now) {
        if (!status.isActive()) {
            return null;
        }
        double rate = averageRate(now);
        long left = Math.max(0, estimatedTotal - processed());
        if (rate <= 0) {
            return null;
        }
        return Duration.ofMillis((long) (left / rate * 1000));
    }

    /** Fraction done, between 0 and 1 (1 when finished). */
    public double fractionDone() {
        if (status == JobStatus.FINISHED) {
            return 1;
        }
        return estimatedTotal <= 0 ? 0 : Math.min(1, processed() / (double) estimatedTotal);
    }
}
