package io.dualwrite.spi;

import io.dualwrite.Phase;

/**
 * Tells the phase a migration is in on this instance. Called on every repository operation, so implementations
 * answer from memory: no I/O on this path.
 */
@FunctionalInterface
public interface PhaseSource {

    /**
     * The phase this instance acts on for the migration.
     *
     * @param migrationId a declared migration id
     * @return never {@code null}
     */
    Phase currentPhase(String migrationId);
}
