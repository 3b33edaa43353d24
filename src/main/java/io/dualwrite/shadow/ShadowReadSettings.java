package io.dualwrite.shadow;

import java.time.Duration;

/**
 * How shadow reads run; checked when built, naming the setting and the value.
 *
 * @param defaultRate the rate of a migration whose shared rate is not stored yet (0 to 1, whole percent)
 * @param threads comparison threads (0: none, comparisons wait until {@link ShadowReads#awaitComparisons} runs them)
 * @param queueCapacity sampled reads (and re-checks) waiting at most; more are dropped and counted
 * @param recheckDelay how long after a difference both shapes are read again before it counts
 * @param maxDocumentsPerRead documents of one sampled query result compared at most
 * @param refreshInterval how often the shared rates are read again
 * @param pollInBackground whether a daemon thread reads them; when {@code false} the caller calls
 * {@link ShadowReads#tick()}
 */
public record ShadowReadSettings(double defaultRate, int threads, int queueCapacity, Duration recheckDelay,
        int maxDocumentsPerRead, Duration refreshInterval, boolean pollInBackground) {

    public ShadowReadSettings {
        if (Double.isNaN(defaultRate) || defaultRate < 0 || defaultRate > 1) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.sample-rate must be between 0 and 1 (0.01 = "
                    + "1 %), was " + defaultRate);
        }
        if (!ShadowReads.isWholePercent(defaultRate)) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.sample-rate must be a whole percentage (0.01 = "
                    + "1 %, 0.07 = 7 %), was " + defaultRate + ": the shared rate is the percentage of Togglz's "
                    + "'Gradual rollout' strategy, a whole number from 0 to 100");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.threads must be 0 or more, was " + threads);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.queue-capacity must be at least 1, was "
                    + queueCapacity);
        }
        if (recheckDelay == null || recheckDelay.isNegative()) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.recheck-delay must be 0 or more, was "
                    + recheckDelay);
        }
        if (maxDocumentsPerRead < 1) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.max-documents-per-read must be at least 1, was "
                    + maxDocumentsPerRead);
        }
        if (refreshInterval == null || refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("the shadow-read rate refresh interval must be positive, was "
                    + refreshInterval);
        }
    }
}
