package io.dualwrite.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task run again and again on a daemon thread of its own, with a fixed delay between the end of one run and the
 * start of the next, until {@link #stop()}: the background loops of the repair job, the instance heartbeat and the
 * pollers of the phases and of the shadow-read rates. What is due is decided by the task, on its own clock, so tests
 * call the task directly instead of waiting for the loop.
 */
public final class BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(BackgroundLoop.class);

    /** How often a poller looks at the clock at most. */
    private static final Duration POLL_PERIOD = Duration.ofMillis(50);

    private final ScheduledExecutorService executor;

    private BackgroundLoop(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /**
     * Starts the loop of a task that handles its own failures: the first run one {@code delay} from now. A failure
     * that escapes the task is logged, and the loop goes on.
     *
     * @param threadName the name of the loop's daemon thread
     * @param delay between the end of a run and the start of the next; at least 1ms
     * @param task what each run does
     */
    public static BackgroundLoop start(String threadName, Duration delay, Runnable task) {
        return start(threadName, delay, task,
                ex -> log.warn("A run of {} failed; the next one starts in {}: {}", threadName, delay, ex.toString()));
    }

    /**
     * Starts the loop: the first run one {@code delay} from now.
     *
     * @param threadName the name of the loop's daemon thread
     * @param delay between the end of a run and the start of the next; at least 1ms
     * @param task what each run does
     * @param onFailure told of a run that threw (the loop goes on with the next run)
     */
    public static BackgroundLoop start(String threadName, Duration delay, Runnable task,
            Consumer<RuntimeException> onFailure) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        long millis = delay.toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            }
            catch (RuntimeException ex) {
                onFailure.accept(ex);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
        return new BackgroundLoop(executor);
    }

    /**
     * The delay of a poller that acts on shared state every {@code refreshInterval}: it looks at the clock every
     * 50 ms, or every {@code refreshInterval} when that is shorter (1ms at least).
     */
    public static Duration pollDelay(Duration refreshInterval) {
        return Duration.ofMillis(Math.max(1, Math.min(POLL_PERIOD.toMillis(), refreshInterval.toMillis())));
    }

    /**
     * Runs {@code task} once on the loop's thread, as soon as the run in progress (if any) is over.
     *
     * @return false when the loop is stopped (the task does not run)
     */
    public boolean runSoon(Runnable task) {
        try {
            executor.execute(task);
            return true;
        }
        catch (RejectedExecutionException ex) {
            return false;
        }
    }

    /** Whether the loop goes on (until {@link #stop()}). */
    public boolean isRunning() {
        return !executor.isShutdown();
    }

    /** Stops the loop and interrupts the run in progress, if any, without waiting for it. */
    public void stop() {
        executor.shutdownNow();
    }

    /**
     * Stops the loop, interrupts the run in progress, if any, and waits up to {@code timeout} for it to end.
     *
     * @return false when a run was still going on after {@code timeout}; an interrupted wait ends early, with the
     * thread's interrupt flag set again, and returns true
     */
    public boolean stop(Duration timeout) {
        executor.shutdownNow();
        try {
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
