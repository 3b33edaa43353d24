package io.dualwrite.toggle;

import io.dualwrite.Phase;

/** Told by {@link TogglzPhaseSource} each time this instance starts acting on another phase of a migration. */
@FunctionalInterface
public interface PhaseChangeListener {

    /**
     * Called after the instance switched; exceptions are logged and ignored.
     *
     * @param migrationId the migration
     * @param from the phase acted on before
     * @param to the phase acted on from now on
     */
    void phaseChanged(String migrationId, Phase from, Phase to);
}
