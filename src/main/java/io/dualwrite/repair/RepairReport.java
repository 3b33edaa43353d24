package io.dualwrite.repair;

import java.util.Locale;

/**
 * What one pass of the repair job did for one migration.
 *
 * @param migrationId the migration
 * @param repaired records repaired in this pass (the shape whose write failed now holds the acknowledged write, a later
 * one, or its deletion)
 * @param failed records whose repair failed in this pass; each keeps its {@code lastError} and is tried again later
 * @param skipped records another process was repairing at that moment (its lease), or that were repaired meanwhile
 * @param remaining records of the migration still unrepaired after the pass (in the whole collection, so also those
 * recorded during the pass)
 */
public record RepairReport(String migrationId, long repaired, long failed, long skipped, long remaining) {

    /** Whether nothing is left to repair for the migration. */
    public boolean isComplete() {
        return remaining == 0;
    }

    /** One line: {@code repaired 3, failed 1, skipped 0; unrepaired now 1}. */
    public String summary() {
        return String.format(Locale.ROOT, "repaired %,d, failed %,d, skipped (held by another process) %,d; "
                + "unrepaired now %,d", repaired, failed, skipped, remaining);
    }
}
