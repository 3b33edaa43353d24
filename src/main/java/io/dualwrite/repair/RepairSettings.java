package io.dualwrite.repair;

import java.time.Duration;
import java.util.Objects;

/**
 * How the repair job paces itself.
 *
 * @param interval time between two passes of the background loop; also the first wait after a failed attempt
 * @param delay how long after a second write failed its first repair is attempted by the background loop (the failed
 * write's own protocol, and a caller retrying it, settle first); {@link Repairs#repairNow} does not wait
 * @param batchSize records one pass of the background loop takes at most (1 to 10,000)
 * @param maxBackoff longest wait before a record that failed to repair is attempted again; the wait doubles from
 * {@code interval} with every failed attempt up to this
 * @param leaseTtl how long a process holds a record it repairs; another process takes it over only after this
 */
public record RepairSettings(Duration interval, Duration delay, int batchSize, Duration maxBackoff,
        Duration leaseTtl) {

    /** Checks the values, naming the property and the value. */
    public RepairSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(leaseTtl, "leaseTtl");
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("dualwrite.repair.interval must be at least 1ms, was " + interval);
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("dualwrite.repair.delay must not be negative, was " + delay);
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("dualwrite.repair.batch-size must be between 1 and 10000, was "
                    + batchSize);
        }
        if (maxBackoff.compareTo(interval) < 0) {
            throw new IllegalArgumentException("dualwrite.repair.max-backoff (" + maxBackoff
                    + ") must be at least dualwrite.repair.interval (" + interval + ")");
        }
        if (leaseTtl.toMillis() < 1) {
            throw new IllegalArgumentException("dualwrite.repair.lease-ttl must be at least 1ms, was " + leaseTtl);
        }
    }

    /** Passes every 10 s, first attempt 10 s after the failure, 100 records a pass, at most 5 min between attempts. */
    public static RepairSettings defaults() {
        return new RepairSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), 100, Duration.ofMinutes(5),
                Duration.ofSeconds(30));
    }

    /**
     * The wait after the {@code attempts}-th failed attempt: {@code interval × 2^(attempts-1)},
     * at most {@code maxBackoff}.
     */
    public Duration backoff(int attempts) {
        int doublings = Math.max(0, Math.min(attempts - 1, 30));
        Duration wait = interval;
        for (int i = 0; i < doublings && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
