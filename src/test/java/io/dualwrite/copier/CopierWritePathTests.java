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

    @BeforeAll
    static void start() {
        context = Fixtures.start("copier-write-path-tests", "dualwrite.copier.poll-interval=20ms");
        database = Fixtures.database(context);
        copier = context.getBean(Copier.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        context.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
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
