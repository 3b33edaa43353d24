package io.dualwrite.instances;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several registries on one collection stand for several instances of a service; the clock decides who is live. */
class InstanceRegistryTests {

    private static final Duration TTL = Duration.ofSeconds(30);

    private static final MigrationRegistry MIGRATIONS =
            new MigrationRegistry(List.of(TestMigrations.customers(), TestMigrations.orders()));

    private static MongoClient client;

    private static MongoCollection<Document> collection;

    private final MutableClock clock = new MutableClock();

    @BeforeAll
    static void connect() {
        client = MongoClients.create(TestMongo.uri("instance_registry"));
        collection = client.getDatabase("instance_registry").getCollection("dualwrite_instances");
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @BeforeEach
    void empty() {
        collection.deleteMany(new Document());
    }

    private InstanceRegistry instance(String id, String host, SettablePhaseSource phases) {
        return new InstanceRegistry(collection, clock, TTL,
                new LocalInstance(id, host, "1.4.2", clock.instant(), MIGRATIONS, phases));
    }

    private static SettablePhaseSource phases(Phase customers, Phase orders) {
        SettablePhaseSource source = new SettablePhaseSource();
        source.set(CUSTOMERS, customers);
        source.set(ORDERS, orders);
        return source;
    }

    private InstanceRegistry reader() {
        return new InstanceRegistry(collection, clock, TTL);
    }

    @Test
    void everyInstanceSeesEveryHeartbeatWithWhatItReported() {
        Instant started = clock.instant();
        InstanceRegistry web1 = instance("web-1", "a", phases(Phase.OLD_ONLY, Phase.READ_NEW_WRITE_BOTH));
        InstanceRegistry web2 = instance("web-2", "b", phases(Phase.READ_OLD_WRITE_BOTH, Phase.READ_NEW_WRITE_BOTH));
        web2.heartbeat();
        clock.advance(Duration.ofSeconds(2));
        web1.heartbeat();

        List<InstanceStatus> seenByWeb2 = web2.liveInstances();
        assertThat(seenByWeb2).isEqualTo(web1.liveInstances()).isEqualTo(reader().liveInstances());
        assertThat(seenByWeb2).containsExactly(
                new InstanceStatus("web-1", "a", "1.4.2", started, started.plusSeconds(2),
                        Map.of(CUSTOMERS, Phase.OLD_ONLY, ORDERS, Phase.READ_NEW_WRITE_BOTH)),
                new InstanceStatus("web-2", "b", "1.4.2", started, started,
                        Map.of(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, ORDERS, Phase.READ_NEW_WRITE_BOTH)));
    }

    @Test
    void aHeartbeatReplacesTheInstancesOneEntryWithItsCurrentPhases() {
        SettablePhaseSource phases = phases(Phase.OLD_ONLY, Phase.OLD_ONLY);
        InstanceRegistry web1 = instance("web-1", "a", phases);
        web1.heartbeat();
        Instant started = clock.instant();
        clock.advance(Duration.ofSeconds(5));
        phases.set(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH);
        web1.heartbeat();

        assertThat(collection.countDocuments()).isEqualTo(1);
        InstanceStatus status = web1.liveInstances().get(0);
        assertThat(status.startedAt()).isEqualTo(started);
        assertThat(status.lastHeartbeat()).isEqualTo(started.plusSeconds(5));
        assertThat(status.phase(CUSTOMERS)).contains(Phase.READ_OLD_WRITE_BOTH);
        // the migration id "orders.v3" has a dot: phases are stored as an array, not as field names
        assertThat(collection.find().first().getList("phases", Document.class)).containsExactly(
                new Document("migration", CUSTOMERS).append("phase", "READ_OLD_WRITE_BOTH"),
                new Document("migration", ORDERS).append("phase", "OLD_ONLY"));
    }

    @Test
    void anInstanceSilentForLongerThanTheTtlIsNoLongerLive() {
        InstanceRegistry web1 = instance("web-1", "a", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY));
        InstanceRegistry web2 = instance("web-2", "b", phases(Phase.OLD_ONLY, Phase.OLD_ONLY));
        web1.heartbeat();
        web2.heartbeat();
        assertThat(reader().everyLiveInstanceWritingBoth(CUSTOMERS).offending()).extracting(InstanceStatus::id)
                .containsExactly("web-2");

        clock.advance(Duration.ofSeconds(20));
        web1.heartbeat(); // web-2 has died without deregistering
        clock.advance(Duration.ofSeconds(10));
        assertThat(reader().liveInstances()).as("exactly ttl old still counts").extracting(InstanceStatus::id)
                .containsExactly("web-1", "web-2");

        clock.advance(Duration.ofMillis(1));
        assertThat(reader().liveInstances()).extracting(InstanceStatus::id).containsExactly("web-1");
        LiveCheck check = reader().everyLiveInstanceWritingBoth(CUSTOMERS);
        assertThat(check.satisfied()).isTrue();
        assertThat(check.liveInstances()).isEqualTo(1);
        assertThat(collection.countDocuments()).as("expired, not yet removed").isEqualTo(2);

        clock.advance(Duration.ofSeconds(30));
        web2.heartbeat(); // back
        assertThat(reader().liveInstances()).extracting(InstanceStatus::id).containsExactly("web-2");
    }

    @Test
    void theSentencesNameTheOffendingInstancesAndWhereTheyAre() {
        instance("web-1", "a", phases(Phase.OLD_ONLY, Phase.OLD_ONLY)).heartbeat();
        instance("web-2", "b", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY)).heartbeat();
        instance("web-3", "c", phases(Phase.OLD_ONLY, Phase.OLD_ONLY)).heartbeat();
        InstanceRegistry registry = reader();

        LiveCheck writingBoth = registry.everyLiveInstanceWritingBoth(CUSTOMERS);
        assertThat(writingBoth.satisfied()).isFalse();
        assertThat(writingBoth.liveInstances()).isEqualTo(3);
        assertThat(writingBoth.offending()).extracting(InstanceStatus::id).containsExactly("web-1", "web-3");
        assertThat(writingBoth.describe()).isEqualTo("2 of 3 live instances are not writing both shapes for migration "
                + "'customers-v2': web-1 (host a) at OLD_ONLY, web-3 (host c) at OLD_ONLY.");

        LiveCheck atLeast = registry.everyLiveInstanceAtLeast(CUSTOMERS, Phase.OLD_ONLY);
        assertThat(atLeast.satisfied()).isTrue();
        assertThat(atLeast.offending()).isEmpty();
        assertThat(atLeast.describe())
                .isEqualTo("All 3 live instances are at OLD_ONLY or a later phase for migration 'customers-v2'.");

        LiveCheck oneOff = registry.everyLiveInstance(CUSTOMERS, phase -> phase == Phase.OLD_ONLY,
                "still on the old shape only");
        assertThat(oneOff.describe()).isEqualTo("1 of 3 live instances is not still on the old shape only for "
                + "migration 'customers-v2': web-2 (host b) at READ_OLD_WRITE_BOTH.");
        assertThat(oneOff.toString()).isEqualTo(oneOff.describe());
    }

    @Test
    void atLeastFollowsThePhaseOrder() {
        instance("web-1", "a", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY)).heartbeat();
        instance("web-2", "b", phases(Phase.READ_NEW_WRITE_BOTH, Phase.OLD_ONLY)).heartbeat();
        InstanceRegistry registry = reader();

        assertThat(registry.everyLiveInstanceAtLeast(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH).satisfied()).isTrue();
        LiveCheck readNew = registry.everyLiveInstanceAtLeast(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH);
        assertThat(readNew.satisfied()).isFalse();
        assertThat(readNew.offending()).extracting(InstanceStatus::id).containsExactly("web-1");
        LiveCheck last = registry.everyLiveInstanceAtLeast(CUSTOMERS, Phase.READ_NEW_WRITE_NEW);
        assertThat(last.describe()).isEqualTo("2 of 2 live instances are not at READ_NEW_WRITE_NEW for migration "
                + "'customers-v2': web-1 (host a) at READ_OLD_WRITE_BOTH, web-2 (host b) at READ_NEW_WRITE_BOTH.");
        assertThat(registry.everyLiveInstanceWritingBoth(CUSTOMERS).satisfied()).isTrue();
        assertThat(registry.everyLiveInstanceWritingBoth(ORDERS).satisfied()).isFalse();
    }

    @Test
    void oneLiveInstance() {
        instance("web-1", "a", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY)).heartbeat();

        assertThat(reader().everyLiveInstanceWritingBoth(CUSTOMERS).describe())
                .isEqualTo("The one live instance is writing both shapes for migration 'customers-v2'.");
        assertThat(reader().everyLiveInstanceWritingBoth(ORDERS).describe()).isEqualTo("1 of 1 live instance is not "
                + "writing both shapes for migration 'orders.v3': web-1 (host a) at OLD_ONLY.");
    }

    @Test
    void withNoLiveInstanceTheCheckIsSatisfiedButSaysSo() {
        LiveCheck check = reader().everyLiveInstanceWritingBoth(CUSTOMERS);

        assertThat(check.satisfied()).isTrue();
        assertThat(check.liveInstances()).isZero();
        assertThat(check.hasLiveInstances()).isFalse();
        assertThat(check.offending()).isEmpty();
        assertThat(check.describe()).startsWith("No live instance registered")
                .contains("writing both shapes", "'customers-v2'");
    }

    @Test
    void anUnparseableStoredPhaseIsReportedAsOffendingNotThrown() {
        instance("web-1", "a", phases(Phase.READ_OLD_WRITE_BOTH, Phase.READ_OLD_WRITE_BOTH)).heartbeat();
        instance("web-2", "b", phases(Phase.READ_OLD_WRITE_BOTH, Phase.READ_OLD_WRITE_BOTH)).heartbeat();
        collection.updateOne(Filters.and(Filters.eq("_id", "web-2"), Filters.eq("phases.migration", CUSTOMERS)),
                Updates.set("phases.$.phase", "SIDEWAYS"));

        List<InstanceStatus> live = reader().liveInstances();
        assertThat(live).extracting(InstanceStatus::id).containsExactly("web-1", "web-2");
        InstanceStatus web2 = live.get(1);
        assertThat(web2.phase(CUSTOMERS)).isEmpty();
        assertThat(web2.unreadablePhases()).isEqualTo(Map.of(CUSTOMERS, "SIDEWAYS"));
        assertThat(web2.phase(ORDERS)).contains(Phase.READ_OLD_WRITE_BOTH);

        LiveCheck anything = reader().everyLiveInstance(CUSTOMERS, phase -> true, "at a known phase");
        assertThat(anything.satisfied()).isFalse();
        assertThat(anything.describe()).isEqualTo("1 of 2 live instances is not at a known phase for migration "
                + "'customers-v2': web-2 (host b) with unreadable stored phase 'SIDEWAYS'.");
        assertThat(reader().everyLiveInstanceWritingBoth(ORDERS).satisfied()).isTrue();
    }

    @Test
    void anInstanceNotReportingTheMigrationOffends() {
        // an older release of the service, without the migration declared, writes only the old shape
        new InstanceRegistry(collection, clock, TTL, new LocalInstance("old-release", "z", "1.3.0", clock.instant(),
                new MigrationRegistry(List.of(TestMigrations.orders())), phases(Phase.OLD_ONLY, Phase.OLD_ONLY)))
                .heartbeat();
        instance("web-1", "a", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY)).heartbeat();

        LiveCheck check = reader().everyLiveInstanceWritingBoth(CUSTOMERS);
        assertThat(check.offending()).extracting(InstanceStatus::id).containsExactly("old-release");
        assertThat(check.describe()).endsWith(": old-release (host z) not reporting the migration.");
    }

    @Test
    void aMalformedEntryIsListedWithWhatCanBeRead() {
        collection.insertOne(new Document("_id", 42).append("lastHeartbeat", Date.from(clock.instant()))
                .append("phases", "not a list"));
        collection.insertOne(new Document("_id", "half").append("lastHeartbeat", Date.from(clock.instant()))
                .append("phases", List.of(new Document("migration", CUSTOMERS), "junk",
                        new Document("migration", ORDERS).append("phase", 3))));
        collection.insertOne(new Document("_id", "no-heartbeat").append("host", "x"));

        List<InstanceStatus> live = reader().liveInstances();
        assertThat(live).extracting(InstanceStatus::id).containsExactlyInAnyOrder("42", "half");
        InstanceStatus half = live.stream().filter(s -> s.id().equals("half")).findFirst().orElseThrow();
        assertThat(half.host()).isEqualTo("unknown");
        assertThat(half.startedAt()).isNull();
        assertThat(half.phases()).isEmpty();
        assertThat(half.unreadablePhases()).isEqualTo(Map.of(CUSTOMERS, "null", ORDERS, "3"));
        assertThat(reader().everyLiveInstanceAtLeast(ORDERS, Phase.OLD_ONLY).offending()).hasSize(2);
    }

    @Test
    void deregisteringRemovesOnlyTheInstancesOwnEntry() {
        InstanceRegistry web1 = instance("web-1", "a", phases(Phase.OLD_ONLY, Phase.OLD_ONLY));
        InstanceRegistry web2 = instance("web-2", "b", phases(Phase.READ_OLD_WRITE_BOTH, Phase.OLD_ONLY));
        web1.heartbeat();
        web2.heartbeat();

        web1.deregister();

        assertThat(web2.liveInstances()).extracting(InstanceStatus::id).containsExactly("web-2");
        assertThat(collection.countDocuments()).isEqualTo(1);
        assertThat(web2.everyLiveInstanceWritingBoth(CUSTOMERS).satisfied()).isTrue();
    }

    @Test
    void aReaderSeesTheOthersButNeverRegisters() {
        instance("web-1", "a", phases(Phase.OLD_ONLY, Phase.OLD_ONLY)).heartbeat();
        InstanceRegistry reader = reader();

        assertThat(reader.localInstance()).isEmpty();
        assertThatIllegalStateException().isThrownBy(reader::heartbeat)
                .withMessageContaining("dualwrite.instances.enabled=false");
        reader.deregister();
        assertThat(reader.liveInstances()).extracting(InstanceStatus::id).containsExactly("web-1");
    }

    @Test
    void entriesSilentForLongerThanTheRetentionAreRemoved() {
        InstanceRegistry web1 = instance("web-1", "a", phases(Phase.OLD_ONLY, Phase.OLD_ONLY));
        InstanceRegistry web2 = instance("web-2", "b", phases(Phase.OLD_ONLY, Phase.OLD_ONLY));
        web2.heartbeat();
        clock.advance(Duration.ofHours(2));
        web1.heartbeat();
        clock.advance(Duration.ofMinutes(1));

        assertThat(web1.removeSilentFor(Duration.ofHours(1))).isEqualTo(1);
        assertThat(collection.find().map(d -> d.get("_id")).into(new java.util.ArrayList<>()))
                .containsExactly("web-1");
    }

    @Test
    void aTtlMustBePositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> new InstanceRegistry(collection, clock, Duration.ZERO))
                .withMessageContaining("dualwrite.instances.ttl");
    }
}
