package io.dualwrite.copier;

/**
 * Whether every live instance writes both shapes of a migration, as recorded when a copy run starts.
 *
 * @param satisfied whether the copy run qualifies (with the shared phase also writing both)
 * @param description the reason, for the run record and the phase guard's messages
 */
public record StartCondition(boolean satisfied, String description) {

    /** Tells, for a migration, whether every live instance writes both shapes. */
    @FunctionalInterface
    public interface Check {

        /** The condition for the migration now. */
        StartCondition writingBoth(String migrationId);
    }
}
