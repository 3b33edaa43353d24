package io.dualwrite.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMongo;

/** The mismatch collection: what a record holds, newest first per migration, bounded by age and count on the clock. */
class ShadowMismatchStoreTests {

    private static MongoClient client;

    private MongoCollection<Document> collection;

    private final MutableClock clock = new MutableClock();

    @BeforeAll
    static void connect() {
        client = MongoClients.create(TestMongo.uri("shadow_mismatch_store"));
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @BeforeEach
    void empty() {
        collection = client.getDatabase("shadow_mismatch_store").getCollection("mismatches");
        collection.deleteMany(new Document());
    }

    private ShadowMismatch mismatch(String migration, Object id) {
        return new ShadowMismatch(migration, id, Phase.READ_NEW_WRITE_BOTH, Shape.NEW, ShadowMismatch.Kind.DIFFERENT,
                List.of("email", "contact.phone"), 7L << 32, 6L << 32, "2 field(s) differ", "web-1", clock.instant());
    }

    @Test
    void aRecordReadsBackAsItWasWrittenNewestFirstPerMigration() {
        ShadowMismatchStore store = new ShadowMismatchStore(collection, clock, Duration.ofDays(7), 100);
        store.record(mismatch("a", "id-1"));
        clock.advance(Duration.ofSeconds(1));
        store.record(mismatch("b", 42L));
        clock.advance(Duration.ofSeconds(1));
        ShadowMismatch newest = mismatch("a", "id-2");
        store.record(newest);

        assertThat(store.recent("a", 10)).extracting(ShadowMismatch::entityId).containsExactly("id-2", "id-1");
        assertThat(store.recent("a", 1)).containsExactly(newest);
        assertThat(store.recent("b", 10)).singleElement().satisfies(m -> assertThat(m.entityId()).isEqualTo(42L));
        assertThat(store.recent("c", 10)).isEmpty();
    }

    @Test
    void recordsOlderThanTheRetentionByTheClockAreRemoved() {
        ShadowMismatchStore store = new ShadowMismatchStore(collection, clock, Duration.ofHours(1), 100);
        store.record(mismatch("a", "old"));
        clock.advance(Duration.ofMinutes(30));
        store.record(mismatch("a", "younger"));
        clock.advance(Duration.ofMinutes(31));

        store.record(mismatch("a", "new"));

        assertThat(store.recent("a", 10)).extracting(ShadowMismatch::entityId).containsExactly("new", "younger");
    }

    @Test
    void onlyTheNewestMaxRecordsOfAMigrationAreKept() {
        ShadowMismatchStore store = new ShadowMismatchStore(collection, clock, Duration.ofDays(7), 3);
        for (int i = 1; i <= 5; i++) {
            store.record(mismatch("a", "id-" + i));
            store.record(mismatch("b", "id-" + i));
            clock.advance(Duration.ofSeconds(20)); // a purge runs at most once a minute
        }

        store.purge("a", clock.instant());

        assertThat(store.recent("a", 10)).extracting(ShadowMismatch::entityId).containsExactly("id-5", "id-4", "id-3");
        assertThat(store.recent("b", 10)).as("another migration's records are its own").hasSizeGreaterThan(3);
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheProperty() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ShadowMismatchStore(collection, clock,
                Duration.ZERO, 10)).withMessageContaining("dualwrite.shadow-reads.retention");
        assertThatIllegalArgumentException().isThrownBy(() -> new ShadowMismatchStore(collection, clock,
                Duration.ofDays(1), 0)).withMessageContaining("dualwrite.shadow-reads.max-records");
    }
}
