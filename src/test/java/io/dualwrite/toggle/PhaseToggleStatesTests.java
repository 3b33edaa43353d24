package io.dualwrite.toggle;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualwrite.Phase;
import org.junit.jupiter.api.Test;
import org.togglz.core.activation.Parameter;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.util.NamedFeature;

/** The toggle representation: which states carry a phase, and what the console accepts as a phase. */
class PhaseToggleStatesTests {

    @Test
    void aPhaseSurvivesTheRoundTripThroughAFeatureState() {
        for (Phase phase : Phase.values()) {
            FeatureState state = PhaseToggleStates.stateFor("customers-v2", phase);
            assertThat(state.getFeature().name()).isEqualTo("customers-v2");
            assertThat(state.isEnabled()).isTrue();
            assertThat(state.getStrategyId()).isEqualTo("dualwrite-phase");
            assertThat(PhaseToggleStates.read(state).phase()).isEqualTo(phase);
            assertThat(PhaseToggleStates.read(state).problem()).isNull();
        }
    }

    @Test
    void anInvalidStateGivesTheReason() {
        assertThat(PhaseToggleStates.read(null).problem()).isEqualTo("no toggle state is stored");
        assertThat(PhaseToggleStates.read(new FeatureState(new NamedFeature("x"), true)).problem())
                .contains("activation strategy is not set");
        assertThat(PhaseToggleStates.read(PhaseToggleStates.stateFor("x", Phase.OLD_ONLY).setParameter("phase", " "))
                .problem()).isEqualTo("the phase parameter is missing");
    }

    @Test
    void theConsoleAcceptsExactlyTheFourPhaseNames() {
        PhaseActivationStrategy strategy = new PhaseActivationStrategy();
        assertThat(strategy.getId()).isEqualTo("dualwrite-phase");
        assertThat(strategy.getName()).isEqualTo("Migration phase");
        assertThat(strategy.getParameters()).hasSize(1);
        Parameter phase = strategy.getParameters()[0];
        assertThat(phase.getName()).isEqualTo("phase");
        assertThat(phase.isOptional()).isFalse();
        for (Phase value : Phase.values()) {
            assertThat(phase.isValid(value.name())).as(value.name()).isTrue();
        }
        assertThat(phase.isValid("BANANA")).isFalse();
        assertThat(phase.isValid("old_only")).isFalse();
        assertThat(phase.isValid("OLD_ONLY ")).isFalse();
        assertThat(phase.isValid("OLD_ONLY|READ_OLD_WRITE_BOTH")).isFalse();
        assertThat(phase.isValid("")).isFalse();
    }

    @Test
    void theFeatureProviderOffersOneLabelledFeaturePerMigration() {
        MigrationFeatureProvider provider = new MigrationFeatureProvider(
                new io.dualwrite.MigrationRegistry(java.util.List.of(io.dualwrite.support.TestMigrations.customers(),
                        io.dualwrite.support.TestMigrations.orders())),
                null);
        assertThat(provider.getFeatures()).extracting(f -> f.name()).containsExactly("customers-v2", "orders.v3");
        var metaData = provider.getMetaData(new NamedFeature("customers-v2"));
        assertThat(metaData.getLabel()).isEqualTo("Migration customers-v2 \u2014 phase");
        assertThat(metaData.getGroups()).extracting(g -> g.getLabel()).containsExactly("dualwrite migrations");
        assertThat(PhaseToggleStates.read(metaData.getDefaultFeatureState()).phase()).isEqualTo(Phase.OLD_ONLY);
        assertThat(provider.getMetaData(new NamedFeature("NEW_CHECKOUT"))).isNull();
    }
}
