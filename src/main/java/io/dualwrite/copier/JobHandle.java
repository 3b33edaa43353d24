package io.dualwrite.copier;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * This process's part in a job run: its worker threads. The run itself lives in MongoDB and may have workers in other
 * processes too.
 */
public final class JobHandle {

    private final String runId;

    private final String migrationId;

    private final JobKind kind;

    private final CountDownLatch workersLeft;

    private final Supplier<JobRun> current;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private volatile boolean stopRequested;

    JobHandle(String runId, String migrationId, JobKind kind, int workers, Supplier<JobRun> current) {
        this.runId = runId;
        this.migrationId = migrationId;
        this.kind = kind;
        this.workersLeft = new CountDownLatch(workers);
        this.current = current;
    }

    /** The run this process works on. */
    public String runId() {
        return runId;
    }

    public String migrationId() {
        return migrationId;
    }

    public JobKind kind() {
        return kind;
    }

    /** The run as stored now (counters summed over all processes' workers). */
    public JobRun run() {
        return current.get();
    }

    /**
     * Waits until this process's workers have stopped: the run finished or was cancelled, {@link #stop()} was called,
     * or the workers gave up after repeated failures ({@link #failure()}).
     *
     * @return the run as stored when they stopped
     */
    public JobRun await() throws InterruptedException {
        workersLeft.await();
        return run();
    }

    /** Like {@link #await()}, giving up after {@code timeout}; true when the workers stopped. */
    public boolean await(Duration timeout) throws InterruptedException {
        return workersLeft.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether this process's workers have all stopped. */
    public boolean isDone() {
        return workersLeft.getCount() == 0;
    }

    /**
     * Stops this process's workers after their current batch; their partitions are released for other workers. The
     * run stays active: starting it again (here or in another process) resumes from the checkpoints.
     */
    public void stop() {
        stopRequested = true;
    }

    /** The error that made a worker give up, if any. */
    public Throwable failure() {
        return failure.get();
    }

    boolean stopRequested() {
        return stopRequested;
    }

    void failed(Throwable error) {
        failure.compareAndSet(null, error);
    }

    void workerExited() {
        workersLeft.countDown();
    }
}
