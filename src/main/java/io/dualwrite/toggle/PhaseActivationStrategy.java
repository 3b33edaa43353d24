package io.dualwrite.toggle;

import java.util.Arrays;
import java.util.stream.Collectors;

import io.dualwrite.Phase;
import org.togglz.core.activation.Parameter;
import org.togglz.core.activation.ParameterBuilder;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.spi.ActivationStrategy;
import org.togglz.core.user.FeatureUser;

/**
 * The Togglz activation strategy that carries a migration's phase: id {@value #ID}, shown as "Migration phase" in the
 * console, with one parameter {@value #PARAMETER} that only accepts the four phase names, so the console refuses
 * anything else before it is saved.
 * <p>
 * The strategy does not switch anything on or off: a migration toggle is always active while it is enabled. What
 * matters is the {@value #PARAMETER} parameter, read by {@link TogglzPhaseSource}.
 */
public class PhaseActivationStrategy implements ActivationStrategy {

    /** The strategy id stored with every migration toggle. */
    public static final String ID = "dualwrite-phase";

    /** The strategy's name as the console shows it. */
    public static final String NAME = "Migration phase";

    /** The parameter holding the phase name. */
    public static final String PARAMETER = "phase";

    /** Accepts exactly the phase names, nothing else (no blanks, no lower case). */
    static final String PHASE_PATTERN = Arrays.stream(Phase.values()).map(Phase::name).collect(Collectors.joining("|"));

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean isActive(FeatureState featureState, FeatureUser user) {
        return true;
    }

    @Override
    public Parameter[] getParameters() {
        return new Parameter[] { ParameterBuilder.create(PARAMETER)
                .label("Phase")
                .matching(PHASE_PATTERN)
                .description("One of " + Phase.names() + ", in this order; move one step at a time.") };
    }
}
