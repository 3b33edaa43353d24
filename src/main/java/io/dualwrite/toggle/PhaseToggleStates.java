package io.dualwrite.toggle;

import io.dualwrite.Phase;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.util.NamedFeature;

/**
 * Converts between a migration's Togglz {@link FeatureState} and its {@link Phase}.
 * <p>
 * A valid state is: enabled, activation strategy {@value PhaseActivationStrategy#ID} and parameter
 * {@value PhaseActivationStrategy#PARAMETER} equal to one of the four phase names (exactly, as the console enforces).
 */
public final class PhaseToggleStates {

    private PhaseToggleStates() {
    }

    /** The valid state that puts migration {@code migrationId} in {@code phase}. */
    public static FeatureState stateFor(String migrationId, Phase phase) {
        return new FeatureState(new NamedFeature(migrationId), true)
                .setStrategyId(PhaseActivationStrategy.ID)
                .setParameter(PhaseActivationStrategy.PARAMETER, phase.name());
    }

    /**
     * Reads the phase a stored state carries.
     *
     * @param state the stored state, or {@code null} when none is stored
     * @return the phase, or the reason the state is not a valid phase toggle
     */
    public static Reading read(FeatureState state) {
        if (state == null) {
            return Reading.invalid("no toggle state is stored");
        }
        if (!state.isEnabled()) {
            return Reading.invalid("the toggle is disabled (a migration toggle stays enabled; its phase parameter is "
                    + "what changes)");
        }
        if (!PhaseActivationStrategy.ID.equals(state.getStrategyId())) {
            return Reading.invalid("the activation strategy is "
                    + (state.getStrategyId() == null ? "not set" : "'" + state.getStrategyId() + "'")
                    + " instead of '" + PhaseActivationStrategy.NAME + "' (" + PhaseActivationStrategy.ID + ")");
        }
        String value = state.getParameter(PhaseActivationStrategy.PARAMETER);
        if (value == null || value.isBlank()) {
            return Reading.invalid("the phase parameter is missing");
        }
        for (Phase phase : Phase.values()) {
            if (phase.name().equals(value)) {
                return new Reading(phase, null);
            }
        }
        return Reading.invalid("'" + value + "' is not a phase");
    }

    /** A one-line description of a stored state, for messages: enabled flag, strategy and phase parameter. */
    public static String describe(FeatureState state) {
        if (state == null) {
            return "no state";
        }
        return "enabled=" + state.isEnabled() + ", strategy=" + state.getStrategyId() + ", phase="
                + state.getParameter(PhaseActivationStrategy.PARAMETER);
    }

    /** What an operator does to repair the toggle of {@code migrationId}. */
    public static String howToFix(String migrationId) {
        return "in the Togglz console (/togglz-console), edit '" + migrationId + "': tick Enabled, choose the activation "
                + "strategy '" + PhaseActivationStrategy.NAME + "' and set Phase to one of " + Phase.names();
    }

    /**
     * The outcome of reading a state: either a phase or the problem that makes the state invalid.
     *
     * @param phase the phase, {@code null} when invalid
     * @param problem why the state is invalid, {@code null} when valid
     */
    public record Reading(Phase phase, String problem) {

        static Reading invalid(String problem) {
            return new Reading(null, problem);
        }

        /** Whether the state carried a valid phase. */
        public boolean valid() {
            return phase != null;
        }
    }
}
