package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Date;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.cleanup.CleanupHistory;
import io.dualwrite.cleanup.CleanupPlan;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;

/**
 * The cleanup auto-configuration: a {@link Cleanup} bean that backs off when switched off or replaced, records in the
 * configured collection, and refuses (saying why) when the shared phase toggles are missing. The admin chain finds
 * the {@code dualwritecleanup} endpoint wherever Actuator's settings put it.
 */
class CleanupAutoConfigurationTests {

    private static final String DATABASE = "cleanup_autoconfig";

    private static MongoClient client;

    private static MongoDatabase database;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                    DualWriteAutoConfiguration.class, DualWriteInstancesAutoConfiguration.class,
                    DualWriteCleanupAutoConfiguration.class))
            .withUserConfiguration(TestMigrations.class)
            .withBean(SettablePhaseSource.class, SettablePhaseSource::new)
            .withBean("testClock", Clock.class, MutableClock::new)
            .withPropertyValues(TestMongo.uriProperty(DATABASE), "dualwrite.instances.enabled=false");

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

    @Test
    void aCleanupBeanRefusesWithoutTheSharedPhaseToggles() {
        runner.run(context -> {
            Cleanup cleanup = context.getBean(Cleanup.class);
            CleanupPlan plan = cleanup.plan(CUSTOMERS);
            assertThat(plan.kind()).isEqualTo(CleanupPlan.Kind.DROP_COLLECTION);
            assertThat(plan.collection()).isEqualTo("users");
            assertThat(plan.allowed()).isFalse();
            assertThat(plan.blockers().get(0)).startsWith("No shared phase toggle is configured");
            assertThat(cleanup.isCleanedUp(CUSTOMERS)).isFalse();
        });
    }

    @Test
    void recordsLiveInTheConfiguredCollection() {
        database.getCollection("ops_cleanups").insertOne(new Document("migration", CUSTOMERS)
                .append("at", new Date(0)).append("by", "ops").append("kind", "DROP_COLLECTION")
                .append("collection", "users").append("documents", 3L).append("token", "t"));
        runner.withPropertyValues("dualwrite.cleanup.collection=ops_cleanups").run(context -> {
            Cleanup cleanup = context.getBean(Cleanup.class);
            assertThat(cleanup.isCleanedUp(CUSTOMERS)).isTrue();
            assertThat(context.getBean(CleanupHistory.class).isCleanedUp(CUSTOMERS)).isTrue();
            assertThat(context.getBean(CleanupHistory.class).isCleanedUp(ORDERS)).isFalse();
            assertThat(cleanup.lastCleanup(CUSTOMERS).orElseThrow().describe())
                    .isEqualTo("Migration 'customers-v2': dropped collection 'users' (3 documents) at "
                            + "1970-01-01T00:00:00Z by ops");
        });
    }

    @Test
    void backsOffWhenSwitchedOffOrReplaced() {
        runner.withPropertyValues("dualwrite.cleanup.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(Cleanup.class).doesNotHaveBean(CleanupHistory.class));
        runner.withPropertyValues("dualwrite.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(Cleanup.class));
        runner.withBean("myCleanup", Cleanup.class, () -> null)
                .run(context -> assertThat(context).getBeanNames(Cleanup.class).containsExactly("myCleanup"));
    }

    @Test
    void theAdminChainFindsTheEndpointWhereActuatorPutsIt() {
        assertThat(DualWriteSecurityAutoConfiguration.endpointPath(new MockEnvironment(), "dualwritecleanup"))
                .isEqualTo("/actuator/dualwritecleanup");
        assertThat(DualWriteSecurityAutoConfiguration.endpointPath(new MockEnvironment()
                .withProperty("management.endpoints.web.base-path", "ops")
                .withProperty("management.endpoints.web.path-mapping.dualwritecleanup", "cleanup"),
                "dualwritecleanup")).isEqualTo("/ops/cleanup");
    }
}
