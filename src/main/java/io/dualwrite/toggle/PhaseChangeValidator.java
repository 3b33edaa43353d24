package io.dualwrite.toggle;

import io.dualwrite.Phase;

/**
 * Decides whether a requested phase change may be stored. Called by {@link ValidatingStateRepository} for every
 * change of a migration toggle, whoever makes it (console, Actuator endpoint, {@link PhaseToggles}), before anything is
 * written. Declare a bean of this type to plug in a transition guard; the default allows every change.
 */
@FunctionalInterface
public interface PhaseChangeValidator {

    /** Allows every change. */
    PhaseChangeValidator ALLOW_ALL = (migrationId, from, to) -> {
    };

    /**
     * Checks a requested change; not called when the requested phase equals the stored one.
     *
     * @param migrationId the migration
     * @param from the phase currently stored, or {@code null} when no valid state is stored
     * @param to the requested phase
     * @throws IllegalArgumentException saying why the change is refused and what to do; nothing is stored then, and
     *         the console shows the message to the operator ({@link ConsoleRefusalFilter})
     */
    void validate(String migrationId, Phase from, Phase to);
}
