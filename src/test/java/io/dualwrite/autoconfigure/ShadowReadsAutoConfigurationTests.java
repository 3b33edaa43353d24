package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.spi.FeatureProvider;
import org.togglz.spring.boot.actuate.autoconfigure.TogglzAutoConfiguration;

import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.shadow.SampleRateSource;
import io.dualwrite.shadow.ShadowReadFeatureProvider;
import io.dualwrite.shadow.ShadowReads;
import io.dualwrite.shadow.TogglzSampleRates;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import io.dualwrite.support.ToggleContexts;
import io.dualwrite.toggle.MigrationFeatureProvider;

/**
 * Shadow reads are on by default with their rates in Togglz, fall back to in-memory rates without Togglz's
 * repository, turn off with one property, refuse bad settings at startup naming them, and back off for the
 * application's own beans.
 */
class ShadowReadsAutoConfigurationTests {

    private final MutableClock clock = new MutableClock();

    private ApplicationContextRunner withTogglz(String database) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                        DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class,
                        TogglzAutoConfiguration.class, DualWriteShadowReadsAutoConfiguration.class))
                .withUserConfiguration(TestMigrations.class)
                .withBean("testClock", Clock.class, () -> clock)
                .withPropertyValues(TestMongo.uriProperty(database), "dualwrite.toggles.poll-in-background=false",
                        ToggleContexts.NO_FILES);
    }

    private ApplicationContextRunner withoutTogglz(String database) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                        DualWriteAutoConfiguration.class, DualWriteShadowReadsAutoConfiguration.class))
                .withUserConfiguration(TestMigrations.class)
                .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
                .withBean("testClock", Clock.class, () -> clock)
                .withPropertyValues(TestMongo.uriProperty(database));
    }

    @Test
    void onByDefaultWithTheRatesInTogglzAndListedInTheConsole() {
        withTogglz("shadow_autoconfig_togglz").withPropertyValues("togglz.features.NEW_CHECKOUT.enabled=true")
                .run(context -> {
                    assertThat(context).hasSingleBean(ShadowReads.class);
                    assertThat(context.getBean(SampleRateSource.class)).isInstanceOf(TogglzSampleRates.class);
                    assertThat(context.getBean(ShadowReads.class).sampleRate(CUSTOMERS)).isEqualTo(0.01);
                    FeatureProvider provider = context.getBean(FeatureProvider.class);
                    assertThat(provider).isInstanceOf(ShadowReadFeatureProvider.class);
                    assertThat(((ShadowReadFeatureProvider) provider).delegate())
                            .isInstanceOf(MigrationFeatureProvider.class);
                    assertThat(context.getBean(FeatureManager.class).getFeatures()).extracting(f -> f.name())
                            .contains(CUSTOMERS, ORDERS, "NEW_CHECKOUT", CUSTOMERS + ".shadow-reads",
                                    ORDERS + ".shadow-reads");
                });
    }

    @Test
    void withoutTogglzEachInstanceKeepsItsRatesInMemory() {
        withoutTogglz("shadow_autoconfig_local").withPropertyValues("dualwrite.shadow-reads.sample-rate=0.1")
                .run(context -> {
                    ShadowReads shadow = context.getBean(ShadowReads.class);
                    assertThat(shadow.sampleRate(ORDERS)).isEqualTo(0.1);
                    shadow.setSampleRate(ORDERS, 0.5);
                    shadow.refresh();
                    assertThat(shadow.sampleRate(ORDERS)).isEqualTo(0.5);
                    assertThat(context).doesNotHaveBean(TogglzSampleRates.class);
                });
    }

    @Test
    void offWithOneProperty() {
        withTogglz("shadow_autoconfig_off").withPropertyValues("dualwrite.shadow-reads.enabled=false")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(ShadowReads.class);
                    assertThat(context.getBean(FeatureProvider.class)).isInstanceOf(MigrationFeatureProvider.class);
                    assertThat(context.getBean(FeatureManager.class).getFeatures()).extracting(f -> f.name())
                            .doesNotContain(CUSTOMERS + ".shadow-reads");
                });
    }

    @Test
    void badSettingsFailStartupNamingTheSetting() {
        ApplicationContextRunner runner = withoutTogglz("shadow_autoconfig_bad");
        runner.withPropertyValues("dualwrite.shadow-reads.sample-rate=1.5").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("dualwrite.shadow-reads.sample-rate must be between 0 "
                        + "and 1 (0.01 = 1 %), was 1.5"));
        runner.withPropertyValues("dualwrite.shadow-reads.sample-rate=0.005").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("dualwrite.shadow-reads.sample-rate must be a whole "
                        + "percentage"));
        runner.withPropertyValues("dualwrite.shadow-reads.queue-capacity=0").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("dualwrite.shadow-reads.queue-capacity must be at "
                        + "least 1, was 0"));
        runner.withPropertyValues("dualwrite.shadow-reads.threads=-1").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("dualwrite.shadow-reads.threads must be 0 or more"));
        runner.withPropertyValues("dualwrite.shadow-reads.recheck-delay=-1s").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("dualwrite.shadow-reads.recheck-delay"));
    }

    @Test
    void theApplicationsOwnRateSourceIsUsed() {
        SampleRateSource own = SampleRateSource.inMemory();
        own.write(CUSTOMERS, 0.42);
        withTogglz("shadow_autoconfig_own").withBean(SampleRateSource.class, () -> own).run(context -> {
            assertThat(context.getBean(SampleRateSource.class)).isSameAs(own);
            assertThat(context.getBean(ShadowReads.class).sampleRate(CUSTOMERS)).isEqualTo(0.42);
        });
    }
}
