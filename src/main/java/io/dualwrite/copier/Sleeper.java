package io.dualwrite.copier;

import java.time.Duration;

/**
 * How a job waits (for the rate limit, while paused, for a lease to expire). Tests pass one that moves an injected
 * clock instead of sleeping.
 */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps on the current thread. */
    Sleeper THREAD = duration -> Thread.sleep(Math.max(0, duration.toMillis()));

    /**
     * Waits for the duration.
     *
     * @throws InterruptedException when the thread is interrupted (the worker stops)
     */
    void sleep(Duration duration) throws InterruptedException;
}
