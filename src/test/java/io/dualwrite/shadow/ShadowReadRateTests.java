package io.dualwrite.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.togglz.core.activation.GradualActivationStrategy;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.metadata.FeatureMetaData;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.util.NamedFeature;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.MigrationFeatureProvider;

/**
 * The sample rate is a Togglz feature per migration ("Gradual rollout" and its percentage) in the shared state
 * repository: seeded once from the configuration, shared by every instance, changed at runtime by the console or
 * {@link ShadowReads#setSampleRate}, read into memory by each instance's poll on its clock, and bad input is refused
 * without changing anything. Two instances on one database, each with its own clock.
 */
class ShadowReadRateTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final String FEATURE = "people-v2.shadow-reads";

    private static final Duration REFRESH = Duration.ofMillis(500); // max-staleness 1s / 2

    private static final MutableClock clockA = new MutableClock();

    private static final MutableClock clockB = new MutableClock();

    private static ConfigurableApplicationContext a;

    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        a = ShadowContexts.start("shadow_rates", clockA, "dualwrite.shadow-reads.sample-rate=0.05",
                "dualwrite.shadow-reads.threads=0", "dualwrite.shadow-reads.queue-capacity=100000");
        b = ShadowContexts.start("shadow_rates", clockB, "dualwrite.shadow-reads.sample-rate=0.05",
                "dualwrite.shadow-reads.threads=0");
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @BeforeEach
    void backToTheDefault() {
        ShadowContexts.shadowReads(a).setSampleRate(PEOPLE, 0.05);
        refreshBoth();
    }

    private static ShadowReads shadowA() {
        return ShadowContexts.shadowReads(a);
    }

    private static ShadowReads shadowB() {
        return ShadowContexts.shadowReads(b);
    }

    /** Both instances' polls come round (their clocks pass the refresh interval). */
    private static void refreshBoth() {
        clockA.advance(REFRESH);
        clockB.advance(REFRESH);
        shadowA().tick();
        shadowB().tick();
    }

    private static MongoCollection<Document> states() {
        return ShadowContexts.raw(a, "dualwrite_togglz");
    }

    private static Document stored() {
        return states().find(Filters.eq("feature", FEATURE)).first();
    }

    @Test
    void theConfiguredRateIsStoredOnceAsAGradualRolloutToggle() {
        Document state = stored();
        assertThat(state).isNotNull();
        assertThat(state.getBoolean("enabled")).isTrue();
        assertThat(state.getString("strategy")).isEqualTo(GradualActivationStrategy.ID);
        assertThat(state.get("params", Document.class).getString(GradualActivationStrategy.PARAM_PERCENTAGE))
                .isEqualTo("5");
        assertThat(shadowA().sampleRate(PEOPLE)).isEqualTo(0.05);
        assertThat(shadowB().sampleRate(PEOPLE)).isEqualTo(0.05);
        assertThat(states().countDocuments(Filters.eq("feature", FEATURE))).isEqualTo(1);
    }

    @Test
    void aRateSetOnOneInstanceReachesTheOthersAtTheirNextPoll() {
        shadowA().setSampleRate(PEOPLE, 0.25);

        assertThat(shadowA().sampleRate(PEOPLE)).as("at once where it was set").isEqualTo(0.25);
        shadowB().tick();
        assertThat(shadowB().sampleRate(PEOPLE)).as("before B's refresh interval has passed").isEqualTo(0.05);
        clockB.advance(REFRESH);
        shadowB().tick();
        assertThat(shadowB().sampleRate(PEOPLE)).isEqualTo(0.25);
        assertThat(stored().get("params", Document.class).getString("percentage")).isEqualTo("25");
    }

    @Test
    void aChangeMadeAsTheConsoleMakesItIsActedOnByEveryInstance() {
        FeatureManager console = a.getBean(FeatureManager.class);

        console.setFeatureState(new FeatureState(new NamedFeature(FEATURE), true)
                .setStrategyId(GradualActivationStrategy.ID).setParameter("percentage", "40"));
        refreshBoth();
        assertThat(shadowA().sampleRate(PEOPLE)).isEqualTo(0.4);
        assertThat(shadowB().sampleRate(PEOPLE)).isEqualTo(0.4);

        console.setFeatureState(new FeatureState(new NamedFeature(FEATURE), false)
                .setStrategyId(GradualActivationStrategy.ID).setParameter("percentage", "40"));
        refreshBoth();
        assertThat(shadowB().sampleRate(PEOPLE)).as("disabled: off").isZero();

        console.setFeatureState(new FeatureState(new NamedFeature(FEATURE), true));
        refreshBoth();
        assertThat(shadowB().sampleRate(PEOPLE)).as("enabled without a strategy: every read").isEqualTo(1.0);
    }

    @Test
    void theConsoleListsTheRateNextToThePhase() {
        FeatureManager console = a.getBean(FeatureManager.class);

        assertThat(console.getFeatures()).extracting(f -> f.name())
                .contains(PEOPLE, FEATURE, "members-v2", "members-v2.shadow-reads");
        FeatureMetaData metaData = console.getMetaData(new NamedFeature(FEATURE));
        assertThat(metaData.getLabel()).isEqualTo("Migration people-v2 \u2014 shadow reads (% of reads compared)");
        assertThat(metaData.getGroups()).extracting(g -> g.getLabel()).containsExactly(MigrationFeatureProvider.GROUP);
        assertThat(console.getActivationStrategies()).extracting(s -> s.getId())
                .contains(GradualActivationStrategy.ID);
    }

    @Test
    void aStoredStateThatIsNotARateIsNotActedUponAndIsReported() {
        states().updateOne(Filters.eq("feature", FEATURE), Updates.set("strategy", "username"));
        refreshBoth();

        assertThat(shadowB().sampleRate(PEOPLE)).as("the last valid rate").isEqualTo(0.05);
        assertThat(shadowB().conflicts().get(PEOPLE)).contains("'username'").contains("keeping 5 %")
                .contains("Gradual rollout");

        states().updateOne(Filters.eq("feature", FEATURE), Updates.combine(Updates.set("strategy", "gradual"),
                Updates.set("params.percentage", "150")));
        refreshBoth();
        assertThat(shadowB().sampleRate(PEOPLE)).isEqualTo(0.05);
        assertThat(shadowB().conflicts().get(PEOPLE)).contains("'150'").contains("0 to 100");

        states().updateOne(Filters.eq("feature", FEATURE), Updates.set("params.percentage", "10"));
        refreshBoth();
        assertThat(shadowB().sampleRate(PEOPLE)).isEqualTo(0.1);
        assertThat(shadowB().conflicts()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(doubles = { 1.5, -0.1, Double.NaN, Double.POSITIVE_INFINITY, -0.0001 })
    void aRateOutsideZeroToOneIsRefusedAndChangesNothing(double rate) {
        Document before = stored();

        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().setSampleRate(PEOPLE, rate))
                .withMessageContaining("sample rate " + rate + " for migration 'people-v2' is not between 0 and 1")
                .withMessageEndingWith("nothing was changed");

        assertThat(stored()).isEqualTo(before);
        assertThat(shadowA().sampleRate(PEOPLE)).isEqualTo(0.05);
    }

    @Test
    void aRateThatIsNotAWholePercentageIsRefusedAndChangesNothing() {
        Document before = stored();

        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().setSampleRate(PEOPLE, 0.005))
                .withMessageContaining("0.005").withMessageContaining("not a whole percentage")
                .withMessageContaining("nothing was changed");

        assertThat(stored()).isEqualTo(before);
        assertThat(shadowA().sampleRate(PEOPLE)).isEqualTo(0.05);
        shadowA().setSampleRate(PEOPLE, 0.07); // 7.000000000000001 %: floating-point noise, a whole percentage
        assertThat(stored().get("params", Document.class).getString("percentage")).isEqualTo("7");
    }

    @Test
    void anUnknownMigrationIsRefusedByEveryMethod() {
        Document before = stored();

        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().setSampleRate("nope", 0.5))
                .withMessage("No migration 'nope' is declared; declared migrations: people-v2, members-v2");
        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().sampleRate("nope"));
        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().stats("nope"));
        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().recentMismatches("nope", 10));
        assertThatIllegalArgumentException().isThrownBy(() -> shadowA().recentMismatches(PEOPLE, 0))
                .withMessage("limit must be between 1 and 1000, was 0");

        assertThat(stored()).isEqualTo(before);
        assertThat(states().countDocuments(Filters.regex("feature", "^nope"))).isZero();
    }

    @Test
    void anInstanceStartingWithAnotherDefaultFollowsTheStoredRate() {
        shadowA().setSampleRate(PEOPLE, 0.3);

        try (ConfigurableApplicationContext c = ShadowContexts.start("shadow_rates", new MutableClock(),
                "dualwrite.shadow-reads.sample-rate=0.5", "dualwrite.shadow-reads.threads=0")) {
            assertThat(ShadowContexts.shadowReads(c).sampleRate(PEOPLE)).isEqualTo(0.3);
            assertThat(ShadowContexts.shadowReads(c).sampleRate("members-v2")).as("seeded by the first instance")
                    .isEqualTo(0.05);
        }
        assertThat(stored().get("params", Document.class).getString("percentage")).isEqualTo("30");
    }

    @Test
    void aboutTheRateOfReadsAreSampledAndNoneWhenItIsZero() {
        ShadowContexts.phase(a, Phase.READ_OLD_WRITE_BOTH);
        Person ada = Person.of("Ada", "Lovelace", "ada@rate", 36, null);
        ada.setId("rate-1");
        ShadowContexts.people(a).save(ada);
        shadowA().setSampleRate(PEOPLE, 0.25);
        long before = sampledAndDropped();

        for (int i = 0; i < 2000; i++) {
            ShadowContexts.people(a).findById("rate-1");
        }
        long sampled = sampledAndDropped() - before;
        // binomial(2000, 0.25): mean 500, standard deviation about 19
        assertThat(sampled).isBetween(400L, 600L);

        shadowA().setSampleRate(PEOPLE, 0);
        long atZero = sampledAndDropped();
        for (int i = 0; i < 500; i++) {
            ShadowContexts.people(a).findById("rate-1");
        }
        assertThat(sampledAndDropped()).isEqualTo(atZero);
        assertThat(shadowA().awaitComparisons(Duration.ofSeconds(60))).isTrue();
        assertThat(shadowA().stats(PEOPLE).mismatches()).isZero();
    }

    private static long sampledAndDropped() {
        ShadowReadStats stats = shadowA().stats(PEOPLE);
        return stats.sampled() + stats.dropped();
    }

    @Test
    void aFullQueueDropsAndCountsSampledReadsAndTheCallerNeitherWaitsNorFails() {
        try (ConfigurableApplicationContext small = ShadowContexts.start("shadow_rates_queue", new MutableClock(),
                "dualwrite.shadow-reads.sample-rate=1", "dualwrite.shadow-reads.threads=0",
                "dualwrite.shadow-reads.queue-capacity=2")) {
            ShadowContexts.phase(small, Phase.READ_NEW_WRITE_BOTH);
            Person ada = Person.of("Ada", "Lovelace", "ada@queue", 36, null);
            ada.setId("queue-1");
            ShadowContexts.people(small).save(ada);

            for (int i = 0; i < 5; i++) {
                assertThat(ShadowContexts.people(small).findById("queue-1")).isPresent();
            }

            ShadowReads shadow = ShadowContexts.shadowReads(small);
            assertThat(shadow.stats(PEOPLE).sampled()).isEqualTo(2);
            assertThat(shadow.stats(PEOPLE).dropped()).isEqualTo(3);
            assertThat(shadow.awaitComparisons(Duration.ofSeconds(30))).isTrue();
            assertThat(shadow.stats(PEOPLE).compared()).isEqualTo(2);
        }
    }
}
