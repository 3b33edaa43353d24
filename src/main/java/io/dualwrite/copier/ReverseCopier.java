package io.dualwrite.copier;

import java.time.Clock;

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
public final class ReverseCopier extends CopyOperations {

    public ReverseCopier(JobEngine engine, MigrationRegistry registry, JobOptions defaults, Clock clock) {
        super(engine, registry, JobKind.REVERSE_COPY, defaults, clock);
    }
}
