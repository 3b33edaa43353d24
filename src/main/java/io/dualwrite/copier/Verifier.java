package io.dualwrite.copier;

import java.time.Clock;

import io.dualwrite.MigrationRegistry;

/**
 * Compares a migration's old and new shapes id by id with the copier's scan and reports what is missing, stale,
 * different (with field-level diffs for up to {@code dualwrite.copier.max-examples} ids) or extra in the new shape,
 * plus old documents the mapping cannot convert and failed second writes not yet repaired. Runs are resumable and
 * shared like copy runs; the finished result is stored, and {@link JobRun#isClean()} is what gates the switch to
 * reading new.
 */
public final class Verifier extends JobOperations {

    public Verifier(JobEngine engine, MigrationRegistry registry, JobOptions defaults, Clock clock) {
        super(engine, registry, JobKind.VERIFY, defaults, clock);
    }
}
