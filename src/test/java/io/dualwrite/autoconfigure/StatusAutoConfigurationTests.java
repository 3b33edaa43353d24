package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.annotation.Order;
import org.springframework.mock.env.MockEnvironment;

import io.dualwrite.Phase;
import io.dualwrite.actuate.DualWriteEndpoint;
import io.dualwrite.actuate.DualWriteHealthContributor;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.metrics.MigrationGauges;
import io.dualwrite.metrics.ShapeTrafficMeters;
import io.dualwrite.status.MigrationStatus;
import io.dualwrite.status.StatusContributor;
import io.dualwrite.status.StatusSection;
import io.dualwrite.status.StatusService;
import io.dualwrite.status.StatusSnapshots;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import io.dualwrite.web.StatusPageController;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What the operations surface's auto-configuration declares, and when: the status service and snapshots always; the
 * health unless turned off; meters with a meter registry (the phased stores count through them); the endpoint when
 * exposed; the page in a servlet application unless turned off; the application's own unrepaired counter and
 * status contributors when it declares them.
 */
class StatusAutoConfigurationTests {

    private static final String DATABASE = "status_autoconfig";

    private final MutableClock clock = new MutableClock();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                    DualWriteAutoConfiguration.class, DualWriteStatusAutoConfiguration.class))
            .withUserConfiguration(TestMigrations.class)
            .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
            .withBean("testClock", Clock.class, () -> clock)
            .withPropertyValues(TestMongo.uriProperty(DATABASE));

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                    DualWriteAutoConfiguration.class, DualWriteStatusAutoConfiguration.class))
            .withUserConfiguration(TestMigrations.class)
            .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
            .withBean("testClock", Clock.class, () -> clock)
            .withPropertyValues(TestMongo.uriProperty(DATABASE));

    @Test
    void theStatusTheSnapshotsAndTheHealthWithoutMetersEndpointOrPage() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(StatusService.class)
                    .hasSingleBean(StatusSnapshots.class).hasSingleBean(DualWriteHealthContributor.class)
                    .hasBean("dualwriteHealthContributor").doesNotHaveBean(ShapeTrafficMeters.class)
                    .doesNotHaveBean(MigrationGauges.class).doesNotHaveBean(DualWriteEndpoint.class)
                    .doesNotHaveBean(StatusPageController.class);
            MigrationStatus status = context.getBean(StatusService.class).status(CUSTOMERS);
            assertThat(status.phase().thisInstance()).isEqualTo(Phase.OLD_ONLY);
            assertThat(status.steps()).as("no guard here").isEmpty();
            assertThat(status.instances()).as("no instance registry here").isNull();
            assertThat(status.copy()).as("no copier here").isNull();
            assertThat(status.health()).isEqualTo("UP");
        });
    }

    @Test
    void theHealthContributionCanBeTurnedOff() {
        runner.withPropertyValues("management.health.dualwrite.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(DualWriteHealthContributor.class)
                        .hasSingleBean(StatusService.class));
    }

    @Test
    void withAMeterRegistryThePhasedStoresCountThroughTheMeters() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasSingleBean(ShapeTrafficMeters.class).hasSingleBean(MigrationGauges.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            context.getBean(MigrationGauges.class).bindTo(meters);
            for (String migration : new String[] { CUSTOMERS, ORDERS }) {
                assertThat(meters.find("dualwrite.writes").tags("migration", migration, "shape", "new").counter())
                        .as("resolved when the stores were built").isNotNull();
                assertThat(meters.find("dualwrite.instances").tags("migration", migration, "phase", "OLD_ONLY")
                        .gauge()).isNotNull();
            }
        });
    }

    @Test
    void theEndpointOnlyWhenExposedAndThePageUnlessTurnedOff() {
        web.run(context -> assertThat(context).hasSingleBean(StatusPageController.class)
                .doesNotHaveBean(DualWriteEndpoint.class));
        web.withPropertyValues("management.endpoints.web.exposure.include=dualwrite")
                .run(context -> assertThat(context).hasSingleBean(DualWriteEndpoint.class));
        web.withPropertyValues("dualwrite.status.page-enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(StatusPageController.class));
    }

    @Test
    void theApplicationsUnrepairedCounterAndStatusContributorsAreUsed() {
        runner.withBean("repairs", UnrepairedWrites.class, () -> id -> id.equals(CUSTOMERS) ? 7 : 0)
                .withBean("second", StatusContributor.class, () -> new Contributor("second"))
                .withBean("first", StatusContributor.class, () -> new First())
                .run(context -> {
                    StatusService service = context.getBean(StatusService.class);
                    MigrationStatus status = service.status(CUSTOMERS);
                    assertThat(status.unrepaired()).isEqualTo(7);
                    assertThat(status.health()).isEqualTo("DOWN");
                    assertThat(status.sections()).containsOnlyKeys("first", "second");
                    assertThat(status.sections().keySet()).containsExactly("first", "second");
                    assertThat(context.getBean(StatusSnapshots.class).current().unrepaired(CUSTOMERS)).isEqualTo(7);
                    assertThat(service.status(ORDERS).unrepaired()).isZero();
                });
    }

    @Test
    void theEndpointPathFollowsTheActuatorBasePathAndPathMapping() {
        assertThat(DualWriteSecurityAutoConfiguration.endpointPath(new MockEnvironment(), DualWriteEndpoint.ID))
                .isEqualTo("/actuator/dualwrite");
        assertThat(DualWriteSecurityAutoConfiguration.endpointPath(new MockEnvironment()
                .withProperty("management.endpoints.web.base-path", "/manage")
                .withProperty("management.endpoints.web.path-mapping.dualwrite", "migrations"), DualWriteEndpoint.ID))
                .isEqualTo("/manage/migrations");
    }

    /** A contributor with a name. */
    private record Contributor(String name) implements StatusContributor {

        @Override
        public Optional<StatusSection> section(String migrationId) {
            return Optional.of(new StatusSection(name, Map.of("migration", migrationId)));
        }
    }

    /** Ordered first although declared second. */
    @Order(1)
    private static final class First implements StatusContributor {

        @Override
        public String name() {
            return "first";
        }

        @Override
        public Optional<StatusSection> section(String migrationId) {
            return Optional.of(new StatusSection("First", Map.of()));
        }
    }
}
