package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.repair.RepairLoop;
import io.dualwrite.repair.RepairMetrics;
import io.dualwrite.repair.RepairSettings;
import io.dualwrite.repair.Repairs;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The repair job's beans: the API always, the loop unless switched off, meters with a registry, settings checked. */
class DualWriteRepairAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                    DualWriteAutoConfiguration.class, DualWriteInstancesAutoConfiguration.class,
                    DualWriteRepairAutoConfiguration.class))
            .withUserConfiguration(TestMigrations.class)
            .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
            .withBean("testClock", Clock.class, MutableClock::new)
            .withPropertyValues(TestMongo.uriProperty("repair_autoconfig"), "dualwrite.instances.enabled=false");

    @Test
    void theApiAndARunningLoopWithTheDefaults() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Repairs.class).hasSingleBean(RepairLoop.class)
                    .doesNotHaveBean(RepairMetrics.class);
            assertThat(context.getBean(RepairLoop.class).isRunning()).isTrue();
            assertThat(context.getBean(Repairs.class).settings()).isEqualTo(RepairSettings.defaults());
            assertThat(context.getBean(Repairs.class).unrepaired(CUSTOMERS)).isZero();
        });
    }

    @Test
    void noLoopWhenSwitchedOffButTheApiStays() {
        runner.withPropertyValues("dualwrite.repair.enabled=false").run(context -> assertThat(context)
                .hasSingleBean(Repairs.class).doesNotHaveBean(RepairLoop.class));
    }

    @Test
    void nothingWhenDualwriteIsDisabled() {
        runner.withPropertyValues("dualwrite.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(Repairs.class).doesNotHaveBean(RepairLoop.class));
    }

    @Test
    void thePropertiesSetThePacing() {
        runner.withPropertyValues("dualwrite.repair.interval=2s", "dualwrite.repair.delay=0s",
                "dualwrite.repair.batch-size=5", "dualwrite.repair.max-backoff=1m", "dualwrite.repair.lease-ttl=5s")
                .run(context -> assertThat(context.getBean(Repairs.class).settings()).isEqualTo(new RepairSettings(
                        Duration.ofSeconds(2), Duration.ZERO, 5, Duration.ofMinutes(1), Duration.ofSeconds(5))));
    }

    @Test
    void badSettingsStopTheStartNamingThePropertyAndTheValue() {
        runner.withPropertyValues("dualwrite.repair.interval=0s").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessage("dualwrite.repair.interval must be at least 1ms, was PT0S"));
        runner.withPropertyValues("dualwrite.repair.batch-size=0").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessage("dualwrite.repair.batch-size must be between 1 and 10000, was 0"));
        runner.withPropertyValues("dualwrite.repair.max-backoff=1s").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessage("dualwrite.repair.max-backoff (PT1S) must be at least "
                        + "dualwrite.repair.interval (PT10S)"));
    }

    @Test
    void aGaugePerDeclaredMigrationWithAMeterRegistry() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasSingleBean(RepairMetrics.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            for (String migration : new String[] { CUSTOMERS, ORDERS }) {
                assertThat(meters.get("dualwrite.repairs.pending").tag("migration", migration).gauge().value())
                        .isZero();
            }
        });
    }
}
