package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.Versions;

/**
 * The copier's two ways of writing a batch (a plain insert while most documents are new to the target, the guarded
 * replace-or-insert for the rest) give the outcome of the guarded write alone, whatever the target already holds.
 */
class CopierWritePathTests {

    private static ConfigurableApplicationContext context;

    private static MongoDatabase database;

    private static Copier copier;

    /** What the listener does when a batch has been read and is about to be written (set per test). */
    private static volatile java.util.function.Consumer<List<Object>> onBatchRead = ids -> {
    };

    @BeforeAll
    static void start() {
        List<String> properties = new ArrayList<>(List.of(Fixtures.mongoProperties("copier-write-path-tests")));
        properties.addAll(List.of("dualwrite.copier.poll-interval=20ms", "dualwrite.toggles.poll-in-background=false",
                "spring.main.banner-mode=off"));
        context = new org.springframework.boot.builder.SpringApplicationBuilder(
                io.dualwrite.fixtures.FixtureApplication.class, Hooks.class)
            .web(org.springframework.boot.WebApplicationType.NONE).properties(properties.toArray(String[]::new))
            .run();
        database = Fixtures.database(context);
        copier = context.getBean(Copier.class);
    }

    /** A listener that lets a test change the source between the copier's read of a batch and its write. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Hooks {

        @org.springframework.context.annotation.Bean
        JobListener writePathTestsListener() {
            return new JobListener() {
                @Override
                public void batchRead(JobRun run, int partition, List<Object> ids) {
                    onBatchRead.accept(ids);
                }
            };
        }
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        context.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
        onBatchRead = ids -> {
        };
    }

    @Test
    void documentsDeletedBetweenReadAndWriteBecomeTombstonesWhateverTheRecheckAsks() throws Exception {
        // string ids: the re-check reads the batch's _id range back; then the same with an insert storm into the
        // range (more than the range read allows: by id instead); then number ids that are not integers (by id)
        for (String variant : List.of("range", "crowded range", "double ids")) {
            Fixtures.clear(context);
            MongoCollection<Document> old = database.getCollection("people_v1");
            List<Object> ids = new ArrayList<>();
            List<Document> legacy = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                Document document = CopierTests.legacy(i);
                if (variant.equals("double ids")) {
                    document.put("_id", i + 0.5);
                }
                ids.add(document.get("_id"));
                legacy.add(document);
            }
            old.insertMany(legacy);
            Object deleted = ids.get(23);
            Object tombstoned = ids.get(27);
            long tombstoneVersion = Versions.next(Versions.first());
            onBatchRead = batchIds -> {
                if (!batchIds.contains(deleted)) {
                    return;
                }
                old.deleteOne(Filters.eq("_id", deleted));
                old.replaceOne(Filters.eq("_id", tombstoned),
                        Bookkeeping.tombstone(tombstoned, "version", tombstoneVersion, new java.util.Date()));
                if (variant.equals("crowded range")) {
                    List<Document> storm = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        storm.add(new Document("_id", String.format("p00025-%03d", i)).append("first_name", "x")
                                .append("last_name", "y").append("age_text", "1"));
                    }
                    old.insertMany(storm);
                }
            };

            JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(20).withPartitions(1));

            MongoCollection<Document> target = database.getCollection("people_v2");
            assertThat(run.count(Counts.DELETES_CAUGHT)).as(variant).isEqualTo(2);
            assertThat(Bookkeeping.isTombstone(target.find(Filters.eq("_id", deleted)).first())).as(variant).isTrue();
            Document tombstone = target.find(Filters.eq("_id", tombstoned)).first();
            assertThat(Bookkeeping.isTombstone(tombstone)).as(variant).isTrue();
            assertThat(tombstone.getLong("version")).as(variant).isEqualTo(tombstoneVersion);
            for (Object id : ids) {
                if (!id.equals(deleted) && !id.equals(tombstoned)) {
                    assertThat(Bookkeeping.isTombstone(target.find(Filters.eq("_id", id)).first())).as("%s %s",
                            variant, id).isFalse();
                }
            }
        }
    }

    @Test
    void newOlderAndNewerTargetDocumentsInOneBatchAndAcrossBatches() throws Exception {
        MongoCollection<Document> old = database.getCollection("people_v1");
        MongoCollection<Document> target = database.getCollection("people_v2");
        long v1 = Versions.next(Versions.first());
        long v2 = Versions.next(v1);
        List<Document> legacy = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            legacy.add(CopierTests.legacy(i).append("version", v1));
        }
        old.insertMany(legacy);
        // batch 1 (ids 0-19): mostly new, with one older and one newer copy in the target
        target.insertOne(newShape(3, Versions.first(), "stale"));
        target.insertOne(newShape(7, v2, "newer"));
        // batch 2 (ids 20-39): the target holds most of them, older, and one newer: the guarded write goes first
        for (int i = 20; i < 35; i++) {
            target.insertOne(newShape(i, Versions.first(), "stale"));
        }
        target.insertOne(newShape(35, v2, "newer"));
        // batch 3 (ids 40-59): new again, with a tombstone the copy must not overwrite
        target.insertOne(Bookkeeping.tombstone("p00045", "version", v2, new java.util.Date()));

        JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(20).withPartitions(1));

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.count(Counts.COPIED)).isEqualTo(57);
        assertThat(run.count(Counts.SKIPPED)).isEqualTo(3);
        assertThat(run.count(Counts.DEAD_LETTERED)).isZero();
        assertThat(target.countDocuments()).isEqualTo(60);
        for (int i = 0; i < 60; i++) {
            Document copy = target.find(Filters.eq("_id", String.format("p%05d", i))).first();
            if (i == 7 || i == 35) {
                assertThat(copy.getString("lastName")).as("newer copy of %s kept", i).isEqualTo("newer");
                assertThat(copy.getLong("version")).isEqualTo(v2);
            }
            else if (i == 45) {
                assertThat(Bookkeeping.isTombstone(copy)).as("tombstone of %s kept", i).isTrue();
            }
            else {
                assertThat(copy.getString("lastName")).as("copy of %s", i).isEqualTo("Last" + i);
                assertThat(copy.getLong("version")).isEqualTo(v1);
            }
        }
        JobRun again = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(20).withPartitions(1));
        assertThat(again.count(Counts.SKIPPED)).isEqualTo(60);
        assertThat(again.count(Counts.COPIED)).isZero();
    }

    private static Document newShape(int i, long version, String lastName) {
        return new Document("_id", String.format("p%05d", i)).append("firstName", "First" + i)
                .append("lastName", lastName).append("email", "p" + i + "@example.com").append("age", i % 90)
                .append("contact", new Document("phone", "555-" + i)).append("version", version);
    }
}
