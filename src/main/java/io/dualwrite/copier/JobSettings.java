package io.dualwrite.copier;

import java.time.Duration;

/**
 * How workers pace themselves.
 *
 * @param leaseTtl how long a partition lease lasts without renewal; a dead worker's partition is taken over after it
 * @param pollInterval how often an idle or paused worker looks again (also the longest single wait)
 * @param logInterval how often progress is logged
 * @param maxExamples how many differences a verification keeps with their field diffs
 * @param maxConsecutiveFailures database failures in a row after which a worker gives up
 */
public record JobSettings(Duration leaseTtl, Duration pollInterval, Duration logInterval, int maxExamples,
        int maxConsecutiveFailures) {

    public JobSettings {
        if (leaseTtl.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("lease TTL must be at least 100ms, got " + leaseTtl);
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, got " + pollInterval);
        }
    }

    /** Leases of 30 s, polling every second, progress logged every 10 s, 20 examples, 5 failures. */
    public static JobSettings defaults() {
        return new JobSettings(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(10), 20, 5);
    }
}
