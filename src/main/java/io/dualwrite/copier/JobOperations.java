package io.dualwrite.copier;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import io.dualwrite.MigrationRegistry;

/** What the copier and the verifier (either way) share: starting runs and controlling the active one. */
public abstract class JobOperations {

    private final JobEngine engine;

    private final MigrationRegistry registry;

    private final JobKind kind;

    private final JobOptions defaults;

    private final Clock clock;

    JobOperations(JobEngine engine, MigrationRegistry registry, JobKind kind, JobOptions defaults, Clock clock) {
        this.engine = engine;
        this.registry = registry;
        this.kind = kind;
        this.defaults = defaults;
        this.clock = clock;
    }

    /**
     * Checks that the migration is declared.
     *
     * @throws IllegalArgumentException naming the declared migrations when it is not
     */
    protected void requireMigration(String migrationId) {
        registry.require(migrationId);
    }

    /** The kind of the runs these operations start and control. */
    JobKind kind() {
        return kind;
    }

    /** The options used when none are given (from {@code dualwrite.copier.*}). */
    public JobOptions defaults() {
        return defaults;
    }

    /**
     * Joins the migration's active run, or starts a new one, with workers in this process; returns at once.
     *
     * @throws IllegalArgumentException for an unknown migration id
     */
    public JobHandle start(String migrationId, JobOptions options) {
        registry.require(migrationId);
        return engine.start(migrationId, kind, options);
    }

    /** {@link #start(String, JobOptions)} with the default options. */
    public JobHandle start(String migrationId) {
        return start(migrationId, defaults);
    }

    /**
     * Starts or joins the run and waits until it is over for this process.
     *
     * @return the run as stored at the end
     * @throws IllegalStateException when the workers gave up after repeated failures
     */
    public JobRun run(String migrationId, JobOptions options) throws InterruptedException {
        JobHandle handle = start(migrationId, options);
        JobRun run = handle.await();
        if (handle.failure() != null) {
            throw new IllegalStateException("The " + kind.tag() + " run " + run.id() + " of migration '" + migrationId
                    + "' stopped after repeated failures: " + handle.failure().getMessage()
                    + "; fix the cause and start it again, it resumes from its checkpoints", handle.failure());
        }
        return run;
    }

    /** The active run (running or paused), if any. */
    public Optional<JobRun> active(String migrationId) {
        registry.require(migrationId);
        return engine.store().active(migrationId, kind);
    }

    /** The most recent run, whatever its status. */
    public Optional<JobRun> latest(String migrationId) {
        registry.require(migrationId);
        return engine.store().recent(migrationId, kind, 1).stream().findFirst();
    }

    /** The most recent runs, newest first. */
    public List<JobRun> recent(String migrationId, int limit) {
        registry.require(migrationId);
        return engine.store().recent(migrationId, kind, limit);
    }

    /** The most recently started finished run. */
    public Optional<JobRun> latestFinished(String migrationId) {
        registry.require(migrationId);
        return engine.store().latestFinished(migrationId, kind);
    }

    /** Pauses the active run: every worker, in every process, finishes its batch and waits. */
    public JobRun pause(String migrationId) {
        return change(migrationId, JobStatus.RUNNING, JobStatus.PAUSED, "pause");
    }

    /** Resumes a paused run. */
    public JobRun resume(String migrationId) {
        return change(migrationId, JobStatus.PAUSED, JobStatus.RUNNING, "resume");
    }

    /** Cancels the active run for good; a later start begins a new run from the beginning. */
    public JobRun cancel(String migrationId) {
        JobRun run = requireActive(migrationId, "cancel");
        if (!engine.store().changeStatus(run.id(), run.status(), JobStatus.CANCELLED, clock.instant())) {
            throw new IllegalStateException("The " + kind.tag() + " run " + run.id() + " changed status while it was "
                    + "being cancelled; look at its status and try again");
        }
        return engine.store().run(run.id()).orElseThrow();
    }

    /**
     * Changes the run-wide rate limit of the active run; workers apply it from their next batch.
     *
     * @param documentsPerSecond 0 for unlimited
     */
    public JobRun setRate(String migrationId, double documentsPerSecond) {
        if (documentsPerSecond < 0 || Double.isNaN(documentsPerSecond) || Double.isInfinite(documentsPerSecond)) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or a positive number of documents per "
                    + "second, got " + documentsPerSecond);
        }
        JobRun run = requireActive(migrationId, "change the rate of");
        engine.store().setRate(run.id(), documentsPerSecond);
        return engine.store().run(run.id()).orElseThrow();
    }

    private JobRun change(String migrationId, JobStatus from, JobStatus to, String verb) {
        JobRun run = requireActive(migrationId, verb);
        if (run.status() != from) {
            throw new IllegalStateException("Cannot " + verb + " the " + kind.tag() + " run " + run.id()
                    + " of migration '" + migrationId + "': it is " + run.status().name().toLowerCase()
                    + ", not " + from.name().toLowerCase());
        }
        if (!engine.store().changeStatus(run.id(), from, to, clock.instant())) {
            throw new IllegalStateException("The " + kind.tag() + " run " + run.id() + " changed status meanwhile; "
                    + "look at its status and try again");
        }
        return engine.store().run(run.id()).orElseThrow();
    }

    private JobRun requireActive(String migrationId, String verb) {
        return active(migrationId).orElseThrow(() -> new IllegalStateException("Cannot " + verb + " a " + kind.tag()
                + " run of migration '" + migrationId + "': none is running or paused; start one first"));
    }
}
