package io.dualwrite.copier;

import java.time.Clock;

import io.dualwrite.MigrationRegistry;

/**
 * Backfills a migration's new shape from its old shape: the documents that existed before dual writing began, and
 * any the new shape holds in an older version. Every write is guarded by the version read from the old shape, so the
 * copier never overwrites a newer write and never brings back a deleted document, whatever writers do meanwhile.
 * <p>
 * A run is shared through MongoDB: call {@link #start} in as many processes as you like (or run the {@code copy}
 * command on several replicas); they split the run's partitions through leases, checkpoint after every batch and
 * resume from the checkpoints after a crash. A finished run records whether every live instance wrote both shapes
 * when it began ({@link JobRun#allWritingBothAtStart()}), the condition for switching to reading new.
 */
public final class Copier extends CopyOperations {

    public Copier(JobEngine engine, MigrationRegistry registry, JobOptions defaults, Clock clock) {
        super(engine, registry, JobKind.COPY, defaults, clock);
    }
}
