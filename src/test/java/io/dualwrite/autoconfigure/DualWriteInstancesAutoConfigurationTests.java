package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.instances.InstanceHeartbeat;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.InstanceStatus;
import io.dualwrite.instances.LiveCheck;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import io.dualwrite.support.ToggleContexts;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.TogglzPhaseSource;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Each context is one instance: it registers itself unless told not to, and always reads the others. */
class DualWriteInstancesAutoConfigurationTests {

    private static final String DATABASE = "instances_autoconfig";

    private static MongoClient client;

    private static MongoDatabase database;

    private final MutableClock clock = new MutableClock();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                    DualWriteAutoConfiguration.class, DualWriteInstancesAutoConfiguration.class))
            .withUserConfiguration(TestMigrations.class)
            .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
            .withBean("testClock", Clock.class, () -> clock)
            .withPropertyValues(TestMongo.uriProperty(DATABASE));

    @BeforeAll
    static void connect() {
        client = MongoClients.create(TestMongo.uri(DATABASE));
        database = client.getDatabase(DATABASE);
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @BeforeEach
    void empty() {
        for (String name : database.listCollectionNames()) {
            database.getCollection(name).drop();
        }
    }

    private static MongoCollection<Document> entries(String collection) {
        return database.getCollection(collection);
    }

    @Test
    void theInstanceRegistersAtStartupWithItsPhasesAndDeregistersOnClose() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(InstanceRegistry.class).hasSingleBean(InstanceHeartbeat.class)
                    .hasSingleBean(LocalInstance.class);
            assertThat(context.getBean(InstanceHeartbeat.class).isRunning()).isTrue();
            InstanceRegistry registry = context.getBean(InstanceRegistry.class);
            String host = LocalInstance.defaultHost();

            List<InstanceStatus> live = registry.liveInstances();

            assertThat(live).hasSize(1);
            InstanceStatus self = live.get(0);
            assertThat(self.id()).isEqualTo(registry.localInstance().orElseThrow().id())
                    .matches(java.util.regex.Pattern.quote(host) + "-" + ProcessHandle.current().pid()
                            + "-[0-9a-f]{4}");
            assertThat(self.host()).isEqualTo(host);
            assertThat(self.applicationVersion()).isEqualTo("unknown");
            assertThat(self.startedAt()).isEqualTo(clock.instant());
            assertThat(self.lastHeartbeat()).isEqualTo(clock.instant());
            assertThat(self.phases()).isEqualTo(Map.of(CUSTOMERS, Phase.OLD_ONLY, ORDERS, Phase.OLD_ONLY));
            assertThat(registry.ttl()).isEqualTo(Duration.ofSeconds(30));
            assertThat(entries("dualwrite_instances").countDocuments()).isEqualTo(1);
        });
        assertThat(entries("dualwrite_instances").countDocuments()).as("removed on close").isZero();
    }

    @Test
    void twoContextsAreTwoInstancesThatSeeEachOther() {
        runner.run(first -> runner.run(second -> {
            first.getBean(SettablePhaseSource.class).set(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH);
            first.getBean(InstanceRegistry.class).heartbeat();
            String firstId = first.getBean(LocalInstance.class).id();
            String secondId = second.getBean(LocalInstance.class).id();
            assertThat(firstId).isNotEqualTo(secondId);

            LiveCheck check = first.getBean(InstanceRegistry.class).everyLiveInstanceWritingBoth(CUSTOMERS);

            assertThat(check.liveInstances()).isEqualTo(2);
            assertThat(check.offending()).extracting(InstanceStatus::id).containsExactly(secondId);
            assertThat(check.describe()).startsWith("1 of 2 live instances is not writing both shapes")
                    .endsWith(secondId + " (host " + LocalInstance.defaultHost() + ") at OLD_ONLY.");

            clock.advance(Duration.ofSeconds(31)); // both contexts share the clock: both silent for too long
            first.getBean(InstanceRegistry.class).heartbeat();
            assertThat(second.getBean(InstanceRegistry.class).everyLiveInstanceWritingBoth(CUSTOMERS).satisfied())
                    .isTrue();
        }));
    }

    @Test
    void thePropertiesAreBound() {
        runner.withPropertyValues("dualwrite.instances.id=web-7", "dualwrite.instances.collection=who_is_there",
                "dualwrite.instances.ttl=45s", "dualwrite.instances.heartbeat-interval=15s",
                "dualwrite.instances.application-version=3.1.4", "spring.application.version=9.9.9")
                .run(context -> {
                    InstanceRegistry registry = context.getBean(InstanceRegistry.class);
                    assertThat(registry.ttl()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(entries("who_is_there").find().first()).containsEntry("_id", "web-7")
                            .containsEntry("applicationVersion", "3.1.4");
                    assertThat(entries("dualwrite_instances").countDocuments()).isZero();
                    clock.advance(Duration.ofSeconds(45));
                    assertThat(registry.liveInstances()).extracting(InstanceStatus::id).containsExactly("web-7");
                    clock.advance(Duration.ofMillis(1));
                    assertThat(registry.liveInstances()).isEmpty();
                });
    }

    @Test
    void theApplicationVersionComesFromSpringOrTheBuildInfo() {
        runner.withPropertyValues("spring.application.version=2.0.1")
                .run(context -> assertThat(context.getBean(LocalInstance.class).applicationVersion())
                        .isEqualTo("2.0.1"));
        Properties build = new Properties();
        build.setProperty("version", "1.7.0-build.12");
        runner.withBean(BuildProperties.class, () -> new BuildProperties(build))
                .run(context -> assertThat(context.getBean(InstanceRegistry.class).liveInstances())
                        .extracting(InstanceStatus::applicationVersion).containsExactly("1.7.0-build.12"));
    }

    @Test
    void disabledTheProcessDoesNotRegisterButStillReadsTheOthers() {
        runner.withPropertyValues("dualwrite.instances.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(InstanceRegistry.class).doesNotHaveBean(InstanceHeartbeat.class)
                    .doesNotHaveBean(LocalInstance.class);
            InstanceRegistry reader = context.getBean(InstanceRegistry.class);
            assertThat(reader.localInstance()).isEmpty();
            assertThat(reader.liveInstances()).isEmpty();
            assertThat(entries("dualwrite_instances").countDocuments()).isZero();

            SettablePhaseSource service = new SettablePhaseSource();
            service.setAll(Phase.READ_OLD_WRITE_BOTH);
            new InstanceRegistry(entries("dualwrite_instances"), clock, Duration.ofSeconds(30),
                    new LocalInstance("web-1", "a", "1.0", clock.instant(),
                            context.getBean(MigrationRegistry.class), service)).heartbeat();

            assertThat(reader.liveInstances()).extracting(InstanceStatus::id).containsExactly("web-1");
            assertThat(reader.everyLiveInstanceWritingBoth(CUSTOMERS).satisfied()).isTrue();
            assertThatIllegalStateException().isThrownBy(reader::heartbeat);
        });
    }

    @Test
    void nothingWhenDualwriteIsDisabled() {
        runner.withPropertyValues("dualwrite.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(InstanceRegistry.class)
                        .doesNotHaveBean(InstanceHeartbeat.class));
    }

    @Test
    void anInstanceRegistryOfTheApplicationIsUsed() {
        runner.withPropertyValues("dualwrite.instances.enabled=false")
                .withBean("myRegistry", InstanceRegistry.class,
                        () -> new InstanceRegistry(entries("elsewhere"), clock, Duration.ofMinutes(2)))
                .run(context -> assertThat(context.getBean(InstanceRegistry.class).ttl())
                        .isEqualTo(Duration.ofMinutes(2)));
        runner.withBean("myRegistry", InstanceRegistry.class,
                () -> new InstanceRegistry(entries("elsewhere"), clock, Duration.ofMinutes(2)))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(
                            "The InstanceRegistry bean has no LocalInstance")
                            .hasMessageContaining("dualwrite.instances.enabled=false");
                });
    }

    @Test
    void aPhaseChangeFromTheTogglesIsReportedAtOnce() {
        ToggleContexts.runner(DATABASE, clock)
                .withConfiguration(AutoConfigurations.of(DualWriteInstancesAutoConfiguration.class))
                .withPropertyValues("dualwrite.instances.heartbeat-interval=25s")
                .run(context -> {
                    InstanceRegistry registry = context.getBean(InstanceRegistry.class);
                    assertThat(registry.everyLiveInstanceWritingBoth(CUSTOMERS).satisfied()).isFalse();

                    context.getBean(PhaseToggles.class).requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");
                    context.getBean(TogglzPhaseSource.class).refresh();

                    await().atMost(Duration.ofSeconds(5))
                            .until(() -> registry.everyLiveInstanceWritingBoth(CUSTOMERS).satisfied());
                    assertThat(context.getBean(InstanceHeartbeat.class).heartbeatsSent()).isEqualTo(2);
                });
    }
}
