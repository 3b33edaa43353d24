package io.dualwrite.toggle;

import java.util.Objects;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.toggle.PhaseToggleStates.Reading;
import org.togglz.core.Feature;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;

/**
 * The shared {@link StateRepository} Togglz uses, wrapping the MongoDB one: reads go straight through (no cache),
 * writes of a migration toggle are checked first.
 * <p>
 * A write of a migration toggle is refused with an {@link IllegalArgumentException}, and nothing is stored, when the
 * state is not a valid phase toggle (disabled, another activation strategy, a missing or unknown phase) or when the
 * {@link PhaseChangeValidator} refuses the change. An accepted state is stored in its canonical form (enabled, strategy
 * {@value PhaseActivationStrategy#ID}, the phase parameter only). Features that are not migrations pass through
 * untouched.
 */
public class ValidatingStateRepository implements StateRepository {

    private final StateRepository delegate;

    private final MigrationRegistry registry;

    private final PhaseChangeValidator validator;

    /**
     * @param delegate the shared repository the states are stored in
     * @param registry the declared migrations (their toggles are validated)
     * @param validator decides whether a phase change is allowed
     */
    public ValidatingStateRepository(StateRepository delegate, MigrationRegistry registry,
            PhaseChangeValidator validator) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    /** The repository the states are stored in. */
    public StateRepository delegate() {
        return delegate;
    }

    @Override
    public FeatureState getFeatureState(Feature feature) {
        return delegate.getFeatureState(feature);
    }

    @Override
    public void setFeatureState(FeatureState state) {
        String name = state.getFeature().name();
        if (registry.find(name).isEmpty()) {
            delegate.setFeatureState(state);
            return;
        }
        Reading requested = PhaseToggleStates.read(state);
        if (!requested.valid()) {
            throw new IllegalArgumentException("Refused to store the toggle of migration '" + name + "': "
                    + requested.problem() + " (requested " + PhaseToggleStates.describe(state) + "). A migration "
                    + "toggle must be enabled, use the activation strategy '" + PhaseActivationStrategy.NAME + "' ("
                    + PhaseActivationStrategy.ID + ") and have its phase set to one of " + Phase.names()
                    + ". Nothing was changed.");
        }
        Reading stored = PhaseToggleStates.read(delegate.getFeatureState(state.getFeature()));
        Phase from = stored.valid() ? stored.phase() : null;
        if (from != requested.phase()) {
            validator.validate(name, from, requested.phase());
        }
        delegate.setFeatureState(PhaseToggleStates.stateFor(name, requested.phase()));
    }
}
