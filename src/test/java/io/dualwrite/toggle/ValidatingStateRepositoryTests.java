package io.dualwrite.toggle;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.repository.mem.InMemoryStateRepository;
import org.togglz.core.util.NamedFeature;

/**
 * The shared repository refuses any migration toggle state that is not a valid phase or that the validator refuses, and
 * changes nothing then; accepted changes are stored by compare-and-set, and every request is audited.
 */
class ValidatingStateRepositoryTests {

    private static final NamedFeature CUSTOMERS_FEATURE = new NamedFeature(CUSTOMERS);

    private final MigrationRegistry registry = new MigrationRegistry(List.of(TestMigrations.customers()));

    private final InMemoryStateRepository stored = new InMemoryStateRepository();

    private final List<String> validated = new ArrayList<>();

    private static final MongoClient CLIENT = MongoClients.create(TestMongo.uri("validating"));

    private ValidatingStateRepository repository;

    private PhaseHistory history;

    @BeforeEach
    void storeAValidState() {
        MongoDatabase database = CLIENT.getDatabase("validating-" + UUID.randomUUID());
        history = new PhaseHistory(database.getCollection("phases"), database.getCollection("audit"),
                Clock.systemUTC());
        stored.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH));
        repository = new ValidatingStateRepository(stored, registry,
                (id, from, to) -> validated.add(id + ":" + from + "->" + to), history);
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
        }, history);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> guarded.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_NEW)))
                .withMessageEndingWith("skipping READ_OLD_WRITE_BOTH -> READ_NEW_WRITE_NEW is refused");
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(history.accepted(CUSTOMERS).orElseThrow().phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        AuditEntry refused = history.recent(CUSTOMERS, 1).get(0);
        assertThat(refused.outcome()).isEqualTo(AuditEntry.Outcome.REFUSED);
        assertThat(refused.from()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(refused.to()).isEqualTo(Phase.READ_NEW_WRITE_NEW);
        assertThat(refused.reason()).isEqualTo("skipping READ_OLD_WRITE_BOTH -> READ_NEW_WRITE_NEW is refused");
    }

    @Test
    void everyAcceptedAndRefusedRequestIsAuditedWithWhoWhenFromAndTo() {
        PhaseChangeContext.as("alice", "api", () -> {
            repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH));
            return null;
        });
        FeatureState banana = PhaseToggleStates.stateFor(CUSTOMERS, Phase.OLD_ONLY).setParameter("phase", "BANANA");
        PhaseChangeContext.as("bob", "console", () -> {
            assertThatIllegalArgumentException().isThrownBy(() -> repository.setFeatureState(banana));
            return null;
        });
        List<AuditEntry> entries = history.recent(CUSTOMERS, 10);
        assertThat(entries).extracting(AuditEntry::outcome).containsExactly(AuditEntry.Outcome.REFUSED,
                AuditEntry.Outcome.ACCEPTED, AuditEntry.Outcome.ADOPTED);
        assertThat(entries.get(0)).extracting(AuditEntry::user, AuditEntry::via, AuditEntry::from, AuditEntry::to)
                .containsExactly("bob", "console", Phase.READ_NEW_WRITE_BOTH, null);
        assertThat(entries.get(0).reason()).contains("'BANANA' is not a phase");
        assertThat(entries.get(1)).extracting(AuditEntry::user, AuditEntry::via, AuditEntry::from, AuditEntry::to)
                .containsExactly("alice", "api", Phase.READ_OLD_WRITE_BOTH, Phase.READ_NEW_WRITE_BOTH);
        assertThat(entries.get(2).to()).as("the stored state is adopted before the first change")
                .isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(history.accepted(CUSTOMERS).orElseThrow()).extracting(PhaseHistory.AcceptedPhase::phase,
                PhaseHistory.AcceptedPhase::by).containsExactly(Phase.READ_NEW_WRITE_BOTH, "alice");
    }

    @Test
    void ofTwoChangesCheckedAtTheSameTimeOnTwoInstancesOnlyTheFirstStoredWins() {
        repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH));
        ValidatingStateRepository other = new ValidatingStateRepository(stored, registry, (id, from, to) -> {
        }, history);
        // instance A checks READ_OLD_WRITE_BOTH -> READ_NEW_WRITE_BOTH; while it does, instance B rolls back to OLD_ONLY
        ValidatingStateRepository first = new ValidatingStateRepository(stored, registry, (id, from, to) -> {
            other.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.OLD_ONLY));
        }, history);
        assertThatThrownBy(() -> first.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS,
                Phase.READ_NEW_WRITE_BOTH))).isInstanceOf(PhaseChangeRefusedException.class)
                .hasMessageContaining("another change was accepted at the same moment (the phase is now OLD_ONLY");
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(Phase.OLD_ONLY);
        assertThat(history.accepted(CUSTOMERS).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void racingRequestsFromManyThreadsAcceptExactlyOneChangePerRevision() throws Exception {
        repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH));
        long before = history.accepted(CUSTOMERS).orElseThrow().revision();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> results = new ArrayList<>();
        List<Phase> targets = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Phase target = i % 2 == 0 ? Phase.OLD_ONLY : Phase.READ_NEW_WRITE_BOTH;
            targets.add(target);
            ValidatingStateRepository instance = new ValidatingStateRepository(stored, registry, (id, from, to) -> {
                if (from != Phase.READ_OLD_WRITE_BOTH) {
                    throw new IllegalArgumentException("only a change from READ_OLD_WRITE_BOTH is expected");
                }
            }, history);
            results.add(pool.submit(() -> {
                start.await();
                try {
                    instance.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, target));
                    return true;
                }
                catch (PhaseChangeRefusedException ex) {
                    return false;
                }
            }));
        }
        List<Phase> succeeded = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            if (results.get(i).get(30, TimeUnit.SECONDS)) {
                succeeded.add(targets.get(i));
            }
        }
        pool.shutdown();
        PhaseHistory.AcceptedPhase now = history.accepted(CUSTOMERS).orElseThrow();
        assertThat(now.revision()).as("exactly one change was stored").isEqualTo(before + 1);
        assertThat(history.recent(CUSTOMERS, 20)).filteredOn(entry -> entry.outcome() == AuditEntry.Outcome.ACCEPTED)
                .as("one accepted change (the setup only adopted the stored state)").hasSize(1);
        assertThat(succeeded).as("a request that did not fail asked for the phase that won (or found it in place)")
                .isNotEmpty().allMatch(phase -> phase == now.phase());
        assertThat(PhaseToggleStates.read(storedState()).phase()).isEqualTo(now.phase());
    }

    @Test
    void whenTheToggleCannotBeWrittenTheAcceptedPhaseIsSetBack() {
        StateRepository failing = new StateRepository() {

            @Override
            public FeatureState getFeatureState(org.togglz.core.Feature feature) {
                return stored.getFeatureState(feature);
            }

            @Override
            public void setFeatureState(FeatureState state) {
                throw new IllegalStateException("database unreachable");
            }
        };
        ValidatingStateRepository broken = new ValidatingStateRepository(failing, registry, (id, from, to) -> {
        }, history);
        assertThatThrownBy(() -> broken.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS,
                Phase.READ_NEW_WRITE_BOTH))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database unreachable").hasMessageContaining("set back to READ_OLD_WRITE_BOTH");
        assertThat(history.accepted(CUSTOMERS).orElseThrow().phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(history.recent(CUSTOMERS, 1).get(0).outcome()).isEqualTo(AuditEntry.Outcome.FAILED);
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
