package io.dualwrite.instances;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.mongodb.MongoSocketOpenException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The heartbeat's lifecycle, its resilience to a failing MongoDB, and the removal of long-dead entries. */
class InstanceHeartbeatTests {

    private static final Duration TTL = Duration.ofSeconds(30);

    private static final MigrationRegistry MIGRATIONS = new MigrationRegistry(List.of(TestMigrations.customers()));

    private static MongoClient client;

    private static MongoCollection<Document> collection;

    private final MutableClock clock = new MutableClock();

    private final SettablePhaseSource phases = new SettablePhaseSource();

    private InstanceHeartbeat heartbeat;

    @BeforeAll
    static void connect() {
        client = MongoClients.create(TestMongo.uri("instance_heartbeat"));
        collection = client.getDatabase("instance_heartbeat").getCollection("dualwrite_instances");
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @BeforeEach
    void empty() {
        collection.deleteMany(new Document());
    }

    @AfterEach
    void stop() {
        if (heartbeat != null) {
            heartbeat.stop();
        }
    }

    private InstanceRegistry registry(MongoCollection<Document> on) {
        return new InstanceRegistry(on, clock, TTL,
                new LocalInstance("web-1", "a", "2.0", clock.instant(), MIGRATIONS, phases));
    }

    private InstanceRegistry reader() {
        return new InstanceRegistry(collection, clock, TTL);
    }

    @Test
    void startRegistersAtOnceAndStopDeregisters() {
        heartbeat = new InstanceHeartbeat(registry(collection), clock, Duration.ofSeconds(5), Duration.ofDays(1));
        assertThat(heartbeat.isRunning()).isFalse();
        assertThat(heartbeat.getPhase()).isLessThan(0);

        heartbeat.start();

        assertThat(heartbeat.isRunning()).isTrue();
        assertThat(heartbeat.heartbeatsSent()).isEqualTo(1);
        assertThat(reader().liveInstances()).extracting(InstanceStatus::id).containsExactly("web-1");

        heartbeat.stop();

        assertThat(heartbeat.isRunning()).isFalse();
        assertThat(collection.countDocuments()).isZero();

        heartbeat.start(); // a restarted context registers again
        assertThat(reader().liveInstances()).extracting(InstanceStatus::id).containsExactly("web-1");
    }

    @Test
    void theScheduleHeartbeatsEveryInterval() {
        heartbeat = new InstanceHeartbeat(registry(collection), clock, Duration.ofMillis(10), Duration.ofDays(1));
        heartbeat.start();
        phases.set(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> reader().everyLiveInstanceWritingBoth(CUSTOMERS).satisfied());
        assertThat(heartbeat.heartbeatsSent()).isGreaterThan(1);
    }

    @Test
    void failingHeartbeatsAreLoggedAndTheScheduleGoesOn() {
        AtomicInteger failuresLeft = new AtomicInteger(3);
        heartbeat = new InstanceHeartbeat(registry(failingReplaces(failuresLeft)), clock, Duration.ofMillis(10),
                Duration.ofDays(1));

        heartbeat.start(); // the first heartbeat fails: startup goes on

        assertThat(heartbeat.isRunning()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !reader().liveInstances().isEmpty());
        assertThat(heartbeat.heartbeatsFailed()).isEqualTo(3);
        assertThat(heartbeat.consecutiveFailures()).isZero();
    }

    @Test
    void aPhaseChangeIsReportedWithoutWaitingForTheInterval() {
        heartbeat = new InstanceHeartbeat(registry(collection), clock, Duration.ofSeconds(20), Duration.ofDays(1));
        heartbeat.start();
        assertThat(reader().everyLiveInstanceWritingBoth(CUSTOMERS).satisfied()).isFalse();

        phases.set(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH);
        heartbeat.phaseChanged(CUSTOMERS, Phase.OLD_ONLY, Phase.READ_OLD_WRITE_BOTH);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> reader().everyLiveInstanceWritingBoth(CUSTOMERS).satisfied());
        assertThat(heartbeat.heartbeatsSent()).isEqualTo(2);
    }

    @Test
    void longSilentEntriesAreRemovedOncePerTtl() {
        heartbeat = new InstanceHeartbeat(registry(collection), clock, Duration.ofSeconds(5), Duration.ofHours(1));
        collection.insertOne(dead("dead-1", Duration.ofHours(2)));
        collection.insertOne(dead("expired", Duration.ofMinutes(5)));

        heartbeat.tick();
        assertThat(ids()).containsExactlyInAnyOrder("web-1", "expired");

        collection.insertOne(dead("dead-2", Duration.ofHours(2)));
        clock.advance(Duration.ofSeconds(29));
        heartbeat.tick();
        assertThat(ids()).as("not again within the ttl").contains("dead-2");

        clock.advance(Duration.ofSeconds(1));
        heartbeat.tick();
        assertThat(ids()).containsExactlyInAnyOrder("web-1", "expired");
    }

    @Test
    void aStopWhileMongoIsDownDoesNotThrow() {
        heartbeat = new InstanceHeartbeat(registry(down()), clock, Duration.ofSeconds(5), Duration.ofDays(1));
        heartbeat.start();

        heartbeat.stop();

        assertThat(heartbeat.isRunning()).isFalse();
        assertThat(heartbeat.heartbeatsFailed()).isEqualTo(1);
    }

    @Test
    void settingsThatCannotWorkAreRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new InstanceHeartbeat(registry(collection), clock, TTL, Duration.ofDays(1)))
                .withMessageContaining("heartbeat-interval (PT30S) must be shorter than dualwrite.instances.ttl");
        assertThatIllegalArgumentException().isThrownBy(() -> new InstanceHeartbeat(registry(collection), clock,
                Duration.ofSeconds(5), Duration.ofSeconds(10))).withMessageContaining("retention");
        assertThatIllegalArgumentException().isThrownBy(() -> new InstanceHeartbeat(reader(), clock,
                Duration.ofSeconds(5), Duration.ofDays(1))).withMessageContaining("local instance");
    }

    private Document dead(String id, Duration silentFor) {
        return new Document("_id", id).append("lastHeartbeat", Date.from(clock.instant().minus(silentFor)));
    }

    private List<Object> ids() {
        return collection.find().map(d -> d.get("_id")).into(new java.util.ArrayList<>());
    }

    /** The collection, except that its first {@code failuresLeft} replaceOne calls fail as if MongoDB were down. */
    @SuppressWarnings("unchecked")
    private static MongoCollection<Document> failingReplaces(AtomicInteger failuresLeft) {
        return (MongoCollection<Document>) Proxy.newProxyInstance(InstanceHeartbeatTests.class.getClassLoader(),
                new Class<?>[] { MongoCollection.class }, (proxy, method, args) -> {
                    if (method.getName().equals("replaceOne") && failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                        throw unreachable();
                    }
                    try {
                        return method.invoke(collection, args);
                    }
                    catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
    }

    /** A collection on which every operation fails as if MongoDB were down. */
    @SuppressWarnings("unchecked")
    private static MongoCollection<Document> down() {
        return (MongoCollection<Document>) Proxy.newProxyInstance(InstanceHeartbeatTests.class.getClassLoader(),
                new Class<?>[] { MongoCollection.class }, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? "unreachable collection"
                                : method.getName().equals("hashCode") ? 0 : proxy == args[0];
                    }
                    throw unreachable();
                });
    }

    private static MongoSocketOpenException unreachable() {
        return new MongoSocketOpenException("Exception opening socket (test: MongoDB is down)",
                new ServerAddress("127.0.0.1", 1));
    }
}
