package io.dualwrite.toggle;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.ToggleContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.togglz.core.Feature;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.repository.mem.InMemoryStateRepository;

/**
 * How each instance follows the shared phase: within max-staleness of a change, never before its clock says so, and
 * never onto an invalid, missing or unreadable state.
 */
@ExtendWith(OutputCaptureExtension.class)
class TogglzPhaseSourceTests {

    private static final Duration MAX_STALENESS = Duration.ofSeconds(1);

    @Test
    void aChangeMadeOnOneInstanceReachesAnotherOnceItsClockHasMovedByHalfTheMaxStaleness() {
        MutableClock clockA = new MutableClock();
        MutableClock clockB = new MutableClock();
        ToggleContexts.runner("phase_source_two_instances", clockA).run(a -> {
            ToggleContexts.runner("phase_source_two_instances", clockB).run(b -> {
                TogglzPhaseSource sourceB = b.getBean(TogglzPhaseSource.class);
                assertThat(b.getBean(PhaseSource.class)).isSameAs(sourceB);
                assertThat(sourceB.currentPhase(CUSTOMERS)).isEqualTo(Phase.OLD_ONLY);
                List<String> seen = new ArrayList<>();
                sourceB.addListener((id, from, to) -> seen.add(id + ":" + from + "->" + to));

                a.getBean(PhaseToggles.class).requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");

                sourceB.tick();
                assertThat(sourceB.currentPhase(CUSTOMERS)).as("no refresh before the clock moves")
                        .isEqualTo(Phase.OLD_ONLY);
                clockB.advance(MAX_STALENESS.dividedBy(2).minusMillis(1));
                sourceB.tick();
                assertThat(sourceB.currentPhase(CUSTOMERS)).as("not yet half of max-staleness")
                        .isEqualTo(Phase.OLD_ONLY);
                assertThat(seen).isEmpty();

                clockB.advance(Duration.ofMillis(1));
                sourceB.tick();
                assertThat(sourceB.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
                assertThat(sourceB.currentPhase(ORDERS)).isEqualTo(Phase.OLD_ONLY);
                assertThat(seen).containsExactly(CUSTOMERS + ":OLD_ONLY->READ_OLD_WRITE_BOTH");
                assertThat(sourceB.conflicts()).isEmpty();

                // and back on A, which had not refreshed either
                TogglzPhaseSource sourceA = a.getBean(TogglzPhaseSource.class);
                assertThat(sourceA.currentPhase(CUSTOMERS)).isEqualTo(Phase.OLD_ONLY);
                clockA.advance(MAX_STALENESS);
                sourceA.tick();
                assertThat(sourceA.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            });
        });
    }

    @Test
    void anInvalidStateWrittenBehindTheAppsBackIsNotActedUponAndIsReported(CapturedOutput output) {
        MutableClock clock = new MutableClock();
        ToggleContexts.runner("phase_source_invalid_runtime", clock).withPropertyValues("dualwrite.guard.enabled=false")
                .run(context -> {
            TogglzPhaseSource source = context.getBean(TogglzPhaseSource.class);
            context.getBean(PhaseToggles.class).requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);

            ToggleContexts.setStoredPhase(context, CUSTOMERS, "BANANA");
            clock.advance(MAX_STALENESS);
            source.tick();
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts()).containsOnlyKeys(CUSTOMERS);
            assertThat(source.conflicts().get(CUSTOMERS)).contains("'BANANA' is not a phase")
                    .contains("keeping phase READ_OLD_WRITE_BOTH").contains("Togglz console");
            assertThat(output.getOut().split("'BANANA' is not a phase", -1)).as("warned once for the same bad state")
                    .hasSize(2);

            ToggleContexts.updateBehindTheBack(context, CUSTOMERS,
                    Updates.combine(Updates.set("params.phase", "READ_NEW_WRITE_BOTH"), Updates.set("enabled", false)));
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).as("a disabled toggle is not acted upon")
                    .isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts().get(CUSTOMERS)).contains("disabled");

            ToggleContexts.updateBehindTheBack(context, CUSTOMERS,
                    Updates.combine(Updates.set("enabled", true), Updates.set("strategy", "gradual")));
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts().get(CUSTOMERS)).contains("'gradual'");

            ToggleContexts.states(context).deleteOne(Filters.eq("feature", CUSTOMERS));
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).as("a missing state never drops to an older phase")
                    .isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts().get(CUSTOMERS)).contains("no toggle state is stored");

            context.getBean(PhaseToggles.class).requestPhase(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH, "ops");
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_NEW_WRITE_BOTH);
            assertThat(source.conflicts()).isEmpty();
        });
    }

    @Test
    void anInvalidStateAtStartupWithNoAcceptedPhaseFailsStartupWithTheFix() {
        MutableClock clock = new MutableClock();
        ToggleContexts.runner("phase_source_invalid_startup", clock).run(first -> {
            assertThat(first).hasNotFailed();
            ToggleContexts.setStoredPhase(first, ORDERS, "BANANA");
            acceptedPhases(first).deleteMany(Filters.empty());
        });
        ToggleContexts.runner("phase_source_invalid_startup", clock).run(second -> {
            assertThat(second).hasFailed();
            assertThat(second.getStartupFailure()).rootCause()
                    .hasMessageContaining("migration 'orders.v3'")
                    .hasMessageContaining("'BANANA' is not a phase")
                    .hasMessageContaining("stored: enabled=true, strategy=dualwrite-phase, phase=BANANA")
                    .hasMessageContaining("Togglz console")
                    .hasMessageContaining("OLD_ONLY, READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW");
        });
    }

    @Test
    void anInvalidStateAtStartupStartsOnTheAcceptedPhaseAndReportsTheConflict() {
        MutableClock clock = new MutableClock();
        ToggleContexts.runner("phase_source_invalid_startup_accepted", clock).run(first -> {
            first.getBean(PhaseToggles.class).requestPhase(ORDERS, Phase.READ_OLD_WRITE_BOTH, "ops");
            ToggleContexts.setStoredPhase(first, ORDERS, "BANANA");
        });
        ToggleContexts.runner("phase_source_invalid_startup_accepted", clock).run(second -> {
            assertThat(second).hasNotFailed();
            TogglzPhaseSource source = second.getBean(TogglzPhaseSource.class);
            assertThat(source.currentPhase(ORDERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts().get(ORDERS)).contains("'BANANA' is not a phase")
                    .contains("acting on READ_OLD_WRITE_BOTH, the phase the guard last accepted");
        });
    }

    @Test
    void aValidPhaseWrittenAroundTheGuardIsNotActedUponAndIsReported() {
        MutableClock clock = new MutableClock();
        ToggleContexts.runner("phase_source_around_the_guard", clock).run(context -> {
            TogglzPhaseSource source = context.getBean(TogglzPhaseSource.class);
            PhaseToggles toggles = context.getBean(PhaseToggles.class);
            toggles.requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);

            ToggleContexts.setStoredPhase(context, CUSTOMERS, "READ_NEW_WRITE_NEW");
            clock.advance(Duration.ofSeconds(10));
            source.tick();
            assertThat(source.currentPhase(CUSTOMERS)).as("a skip written straight into MongoDB is not acted upon")
                    .isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(source.conflicts().get(CUSTOMERS))
                    .contains("the shared toggle says READ_NEW_WRITE_NEW but the phase guard last accepted "
                            + "READ_OLD_WRITE_BOTH")
                    .contains("written around the guard").contains("keeping phase READ_OLD_WRITE_BOTH");

            ToggleContexts.runner("phase_source_around_the_guard", clock).run(late -> {
                TogglzPhaseSource lateSource = late.getBean(TogglzPhaseSource.class);
                assertThat(lateSource.currentPhase(CUSTOMERS)).as("an instance starting now acts on the accepted phase")
                        .isEqualTo(Phase.READ_OLD_WRITE_BOTH);
                assertThat(lateSource.conflicts()).containsKey(CUSTOMERS);
            });

            assertThatIllegalArgumentException()
                    .isThrownBy(() -> toggles.requestPhase(CUSTOMERS, Phase.READ_NEW_WRITE_NEW, "ops"))
                    .withMessageContaining("skipping a phase is not allowed");
            toggles.requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");
            clock.advance(MAX_STALENESS);
            source.tick();
            assertThat(source.conflicts()).as("requesting the accepted phase rewrites the toggle").isEmpty();
            assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        });
    }

    private static com.mongodb.client.MongoCollection<org.bson.Document> acceptedPhases(
            org.springframework.context.ApplicationContext context) {
        return context.getBean(org.springframework.data.mongodb.MongoDatabaseFactory.class).getMongoDatabase()
                .getCollection("dualwrite_phases");
    }

    @Test
    void anUnreadableStateKeepsTheLastValidPhase() {
        MigrationRegistry registry = new MigrationRegistry(List.of(TestMigrations.customers()));
        InMemoryStateRepository stored = new InMemoryStateRepository();
        stored.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH));
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        StateRepository flaky = new StateRepository() {

            @Override
            public FeatureState getFeatureState(Feature feature) {
                if (failure.get() != null) {
                    throw failure.get();
                }
                return stored.getFeatureState(feature);
            }

            @Override
            public void setFeatureState(FeatureState state) {
                stored.setFeatureState(state);
            }
        };
        MutableClock clock = new MutableClock();
        TogglzPhaseSource source = new TogglzPhaseSource(registry, flaky, clock, MAX_STALENESS, false);
        source.afterPropertiesSet();
        assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_NEW_WRITE_BOTH);

        failure.set(new IllegalStateException("Timed out connecting to MongoDB"));
        clock.advance(MAX_STALENESS);
        source.tick();
        assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_NEW_WRITE_BOTH);
        assertThat(source.conflicts().get(CUSTOMERS)).contains("could not read").contains("Timed out");

        failure.set(null);
        clock.advance(MAX_STALENESS);
        source.tick();
        assertThat(source.conflicts()).isEmpty();
        assertThat(source.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_NEW_WRITE_BOTH);
        assertThatIllegalArgumentException().isThrownBy(() -> source.currentPhase("nope"))
                .withMessageContaining("'nope'").withMessageContaining(CUSTOMERS);
    }

    @Test
    void requestingAPhaseOfAnUndeclaredMigrationSaysWhichAreDeclared() {
        ToggleContexts.runner("phase_source_unknown_id", new MutableClock()).run(context -> {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> context.getBean(PhaseToggles.class).requestPhase("customers-v9", Phase.OLD_ONLY, "ops"))
                    .withMessageContaining("'customers-v9'").withMessageContaining(CUSTOMERS)
                    .withMessageContaining(ORDERS);
        });
    }

    @Test
    void theBackgroundPollerIsADaemonStoppedWithTheContext() {
        AtomicReference<TogglzPhaseSource> source = new AtomicReference<>();
        ToggleContexts.runner("phase_source_poller", new MutableClock())
                .withPropertyValues("dualwrite.toggles.poll-in-background=true")
                .run(context -> {
                    source.set(context.getBean(TogglzPhaseSource.class));
                    assertThat(source.get().isPolling()).isTrue();
                    assertThat(Thread.getAllStackTraces().keySet()).anySatisfy(thread -> {
                        assertThat(thread.getName()).isEqualTo("dualwrite-toggle-poller");
                        assertThat(thread.isDaemon()).isTrue();
                    });
                });
        assertThat(source.get().isPolling()).isFalse();
    }
}
