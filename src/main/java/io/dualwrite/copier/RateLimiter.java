package io.dualwrite.copier;

import java.time.Clock;
import java.time.Duration;

/**
 * A documents-per-second limit on the injected clock. A worker reserves a batch before processing it and is told how
 * long to wait first; over any interval of length {@code t} it processes at most {@code rate * t} documents plus one
 * batch. The rate can change at any time and applies from the next reservation; 0 or less means unlimited.
 * <p>
 * Hand-written rather than taken from Resilience4j or Guava because the limit must run on an injected
 * {@link Clock} (so tests count instead of time) and be shared as a run-wide rate split among live workers; both
 * libraries read {@code System.nanoTime} directly.
 */
public final class RateLimiter {

    private final Clock clock;

    private double rate;

    private long nextFreeNanos = Long.MIN_VALUE;

    /** A limiter on the clock, unlimited until {@link #setRate} is called. */
    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Sets the rate in documents per second; 0 or less means unlimited. */
    public synchronized void setRate(double documentsPerSecond) {
        this.rate = documentsPerSecond;
    }

    /** The current rate (0 when unlimited). */
    public synchronized double rate() {
        return rate > 0 ? rate : 0;
    }

    /**
     * Reserves {@code documents} and returns how long the caller must wait before processing them.
     */
    public synchronized Duration reserve(int documents) {
        if (rate <= 0) {
            nextFreeNanos = Long.MIN_VALUE;
            return Duration.ZERO;
        }
        long now = nanos();
        long start = Math.max(now, nextFreeNanos);
        nextFreeNanos = start + (long) Math.ceil(documents * 1_000_000_000d / rate);
        return Duration.ofNanos(start - now);
    }

    private long nanos() {
        var instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
