package io.dualwrite.copier;

import java.time.Clock;

import io.dualwrite.MigrationRegistry;

/**
 * Compares a migration's new shape with its old shape id by id, after a reverse copy: what is missing, stale,
 * different (with field-level diffs) or extra in the old shape, new documents the mapping cannot convert, and failed
 * second writes not yet repaired. Entities the new shape alone still decides for (written in
 * {@code READ_NEW_WRITE_NEW} after the reverse copy passed them, or not handed back yet) are counted as
 * {@link JobRun#newOnly()} and not as differences, as long as old holds the same write or an older one. Runs are
 * resumable and shared like copy runs; {@link JobRun#isClean()} is what the phase guard reads.
 */
public final class ReverseVerifier extends JobOperations {

    public ReverseVerifier(JobEngine engine, MigrationRegistry registry, JobOptions defaults, Clock clock) {
        super(engine, registry, JobKind.REVERSE_VERIFY, defaults, clock);
    }
}
