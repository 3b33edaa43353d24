package io.dualwrite.copier;

import java.time.Clock;
import java.util.List;

import io.dualwrite.MigrationRegistry;

/**
 * What the copier and the reverse copier share besides runs: the dead letters of their kind, the documents a copy
 * could not convert or write (new-shape documents, for the reverse copy). A later run of the same kind retries them.
 */
public abstract class CopyOperations extends JobOperations {

    private final JobStore store;

    CopyOperations(JobEngine engine, MigrationRegistry registry, JobKind kind, JobOptions defaults, Clock clock) {
        super(engine, registry, kind, defaults, clock);
        this.store = engine.store();
    }

    /** Documents this kind of copy could not convert or write, oldest first; a later run retries them. */
    public List<DeadLetter> deadLetters(String migrationId, int limit) {
        requireMigration(migrationId);
        return store.deadLetters(kind(), migrationId, limit);
    }

    /** How many dead letters this kind of copy has for the migration. */
    public long deadLetterCount(String migrationId) {
        requireMigration(migrationId);
        return store.countDeadLetters(kind(), migrationId);
    }
}
