package io.dualwrite.toggle;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.support.TestMigrations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.mem.InMemoryStateRepository;
import org.togglz.core.util.NamedFeature;

/** The shared repository refuses any migration toggle state that is not a valid phase, and changes nothing then. */
class ValidatingStateRepositoryTests {

    private static final NamedFeature CUSTOMERS_FEATURE = new NamedFeature(CUSTOMERS);

    private final MigrationRegistry registry = new MigrationRegistry(List.of(TestMigrations.customers()));

    private final InMemoryStateRepository stored = new InMemoryStateRepository();

    private final List<String> validated = new ArrayList<>();

    private ValidatingStateRepository repository;

    @BeforeEach
    void storeAValidState() {
        stored.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH));
        repository = new ValidatingStateRepository(stored, registry,
                (id, from, to) -> validated.add(id + ":" + from + "->" + to));
    }

    private FeatureState storedState() {
        return stored.getFeatureState(CUSTOMERS_FEATURE);
    }

    @Test
    void refusesAPhaseThatIsNotOneOfTheFourNamingFeatureValueAndValidPhases() {
        FeatureState before = storedState();
        FeatureState banana = PhaseToggleStates.stateFor(CUSTOMERS, Phase.OLD_ONLY).setParameter("phase", "BANANA");
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(banana))
                .withMessageContaining("migration 'customers-v2'")
                .withMessageContaining("'BANANA' is not a phase")
                .withMessageContaining("OLD_ONLY, READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW")
                .withMessageContaining("Nothing was changed");
        assertThat(storedState()).isEqualTo(before);
        assertThat(validated).isEmpty();
    }

    @Test
    void refusesAPhaseInTheWrongCase() {
        FeatureState lower = PhaseToggleStates.stateFor(CUSTOMERS, Phase.OLD_ONLY).setParameter("phase", "old_only");
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(lower))
                .withMessageContaining("'old_only' is not a phase");
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void refusesADisabledToggle() {
        FeatureState disabled = PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH).disable();
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(disabled))
                .withMessageContaining("migration 'customers-v2'").withMessageContaining("disabled")
                .withMessageContaining("enabled=false");
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void refusesAnotherActivationStrategyOrAMissingPhase() {
        FeatureState gradual = new FeatureState(CUSTOMERS_FEATURE, true).setStrategyId("gradual")
                .setParameter("percentage", "50");
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(gradual))
                .withMessageContaining("'gradual' instead of 'Migration phase'");
        FeatureState noStrategy = new FeatureState(CUSTOMERS_FEATURE, true);
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(noStrategy))
                .withMessageContaining("activation strategy is not set");
        FeatureState noPhase = new FeatureState(CUSTOMERS_FEATURE, true).setStrategyId(PhaseActivationStrategy.ID);
        assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(noPhase))
                .withMessageContaining("the phase parameter is missing");
        assertThat(storedState()).isEqualTo(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH));
        assertThat(validated).isEmpty();
    }

    @Test
    void storesAValidChangeInCanonicalFormAfterAskingTheValidator() {
        FeatureState withExtras = PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH)
                .setParameter("percentage", "12");
        repository.setFeatureState(withExtras);
        assertThat(storedState()).isEqualTo(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH));
        assertThat(validated).containsExactly(CUSTOMERS + ":READ_OLD_WRITE_BOTH->READ_NEW_WRITE_BOTH");

        repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH));
        assertThat(validated).as("rewriting the same phase is not a change").hasSize(1);
    }

    @Test
    void aChangeTheValidatorRefusesChangesNothing() {
        ValidatingStateRepository guarded = new ValidatingStateRepository(stored, registry, (id, from, to) -> {
            throw new IllegalArgumentException("skipping " + from + " -> " + to + " is refused");
        });
        assertThatIllegalArgumentException()
                .isThrownBy(() -> guarded.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_NEW)))
                .withMessage("skipping READ_OLD_WRITE_BOTH -> READ_NEW_WRITE_NEW is refused");
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void theValidatorSeesNoFromPhaseWhenTheStoredStateIsInvalid() {
        stored.setFeatureState(new FeatureState(CUSTOMERS_FEATURE, false));
        repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.OLD_ONLY));
        assertThat(validated).containsExactly(CUSTOMERS + ":null->OLD_ONLY");
    }

    @Test
    void featuresThatAreNotMigrationsPassThrough() {
        FeatureState other = new FeatureState(new NamedFeature("NEW_CHECKOUT"), false).setStrategyId("gradual");
        repository.setFeatureState(other);
        assertThat(repository.getFeatureState(new NamedFeature("NEW_CHECKOUT"))).isEqualTo(other);
        assertThat(validated).isEmpty();
    }
}
