package io.dualwrite.copier;

import java.time.Clock;
import java.util.List;

import io.dualwrite.MigrationRegistry;

/**
 * Backfills a migration's old shape from its new shape: the way back from {@code READ_NEW_WRITE_NEW}, where writes
 * reach the new shape only. It scans the new shape in {@code _id} order with the copier's machinery (partitions,
 * leases, checkpoints, rate limit, pause, resume, cancel; dead letters for documents the mapping cannot convert) and
 * writes each document to the old shape under the version guard, tombstones included.
 * <p>
 * Entities written by {@code READ_NEW_WRITE_NEW} instances are decided by the new shape (they are marked
 * {@code _dwNewOnly}). A run started while instances may still be in {@code READ_NEW_WRITE_NEW} writes their old
 * documents marked, on new's behalf: enough for instances to go back to {@code READ_NEW_WRITE_BOTH}. A run started
 * while every live instance writes both shapes ({@link JobRun#allWritingBothAtStart()}) <em>hands them back</em>: it
 * writes old unmarked and removes the mark from new, and counts, when it finishes, what is still decided by new
 * ({@link JobRun#newOnly()}). Only such a run that left nothing ({@link JobRun#handedEverythingBack()}) backs the
 * switch back to reading old. Verify with {@link ReverseVerifier}.
 */
public final class ReverseCopier extends JobOperations {

    private final JobStore store;

    public ReverseCopier(JobEngine engine, MigrationRegistry registry, JobOptions defaults, Clock clock) {
        super(engine, registry, JobKind.REVERSE_COPY, defaults, clock);
        this.store = engine.store();
    }

    /** New-shape documents the reverse copy could not convert or write, oldest first; a later run retries them. */
    public List<DeadLetter> deadLetters(String migrationId, int limit) {
        requireMigration(migrationId);
        return store.deadLetters(JobKind.REVERSE_COPY, migrationId, limit);
    }

    /** How many dead letters the migration's reverse copy has. */
    public long deadLetterCount(String migrationId) {
        requireMigration(migrationId);
        return store.countDeadLetters(JobKind.REVERSE_COPY, migrationId);
    }
}
