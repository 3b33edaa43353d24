package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.micrometer.core.instrument.MeterRegistry;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;

/** The copier and the verifier on the two fixture migrations, without concurrent writers. */
class CopierTests {

    private static ConfigurableApplicationContext context;

    private static MongoDatabase database;

    private static Copier copier;

    private static Verifier verifier;

    private static PersonRepository people;

    private static SettablePhaseSource phases;

    @BeforeAll
    static void start() {
        context = Fixtures.start("copier-tests", "dualwrite.copier.poll-interval=20ms");
        database = Fixtures.database(context);
        copier = context.getBean(Copier.class);
        verifier = context.getBean(Verifier.class);
        people = context.getBean(PersonRepository.class);
        phases = context.getBean(SettablePhaseSource.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void copiesLegacyDocumentsAndAReRunSkipsThemAll() throws Exception {
        seedLegacy(2_500);
        double copiedBefore = copiedMeter();
        JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(100).withWorkers(2));

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.processed()).isEqualTo(2_500);
        assertThat(run.count(Counts.COPIED)).isEqualTo(2_500);
        assertThat(run.allWritingBothAtStart()).isTrue();
        assertThat(run.startCondition()).contains("READ_OLD_WRITE_BOTH").contains("writing both");
        assertThat(people("people_v2").countDocuments()).isEqualTo(2_500);
        Document copied = people("people_v2").find(Filters.eq("_id", "p00042")).first();
        assertThat(copied.getString("firstName")).isEqualTo("First42");
        assertThat(copied.getInteger("age")).isEqualTo(42 % 90);
        assertThat(copied.get("contact", Document.class).getString("phone")).isEqualTo("555-42");
        assertThat(copied.getLong("version")).isZero();

        MeterRegistry meters = context.getBean(MeterRegistry.class);
        assertThat(copiedMeter() - copiedBefore).isEqualTo(2_500);
        assertThat(meters.get("dualwrite.copier.remaining").tags("migration", TestMigrations.PEOPLE, "job", "copy")
                .gauge()).isNotNull();

        JobRun again = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(100));
        assertThat(again.id()).isNotEqualTo(run.id());
        assertThat(again.count(Counts.COPIED)).isZero();
        assertThat(again.count(Counts.SKIPPED)).isEqualTo(2_500);

        JobRun verification = verifier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(100));
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(verification.processed()).isEqualTo(5_000); // both sides
    }

    @Test
    void verifierReportsMissingStaleDifferentAndExtraWithFieldDiffs() throws Exception {
        seedLegacy(50);
        copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(7));
        MongoCollection<Document> target = people("people_v2");
        target.deleteOne(Filters.eq("_id", "p00001"));
        target.updateOne(Filters.eq("_id", "p00002"), new Document("$set", new Document("lastName", "Changed")));
        target.insertOne(new Document("_id", "zz-extra").append("firstName", "X").append("version", 5L));
        people("people_v1").updateOne(Filters.eq("_id", "p00003"), new Document("$set",
                new Document("version", io.dualwrite.internal.Versions.first())));

        JobRun verification = verifier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(7));

        assertThat(verification.isClean()).isFalse();
        assertThat(verification.count(Counts.MISSING)).isEqualTo(1);
        assertThat(verification.count(Counts.DIFFERENT)).isEqualTo(1);
        assertThat(verification.count(Counts.STALE)).isEqualTo(1);
        assertThat(verification.count(Counts.EXTRA)).isEqualTo(1);
        Difference different = verification.examples().stream().filter(d -> d.kind().equals(Counts.DIFFERENT))
                .findFirst().orElseThrow();
        assertThat(different.id()).isEqualTo("p00002");
        assertThat(different.fields()).containsExactly(
                new Difference.FieldDifference("lastName", "Last2", "Changed"));
    }

    @Test
    void unconvertibleDocumentsAreDeadLetteredAndRetriedAfterTheFix() throws Exception {
        seedLegacy(30);
        people("people_v1").updateOne(Filters.eq("_id", "p00007"), new Document("$set",
                new Document("age_text", "seven")));

        JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10));

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.count(Counts.COPIED)).isEqualTo(29);
        assertThat(run.count(Counts.DEAD_LETTERED)).isEqualTo(1);
        List<DeadLetter> letters = copier.deadLetters(TestMigrations.PEOPLE, 10);
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.documentId()).isEqualTo("p00007");
            assertThat(letter.runId()).isEqualTo(run.id());
            assertThat(letter.error()).contains("NumberFormatException").contains("seven");
        });
        assertThat(people("people_v2").countDocuments(Filters.eq("_id", "p00007"))).isZero();

        people("people_v1").updateOne(Filters.eq("_id", "p00007"), new Document("$set",
                new Document("age_text", "7")));
        JobRun rerun = copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10));

        assertThat(rerun.count(Counts.COPIED)).isEqualTo(1);
        assertThat(rerun.count(Counts.DEAD_LETTERED)).isZero();
        assertThat(copier.deadLetterCount(TestMigrations.PEOPLE)).isZero();
        assertThat(people("people_v2").find(Filters.eq("_id", "p00007")).first().getInteger("age")).isEqualTo(7);
    }

    @Test
    void copiesWithinOneCollection() throws Exception {
        MongoCollection<Document> members = database.getCollection("members");
        for (int i = 0; i < 40; i++) {
            members.insertOne(legacy(i));
        }
        JobRun run = copier.run(TestMigrations.MEMBERS, JobOptions.defaults().withBatchSize(8));
        assertThat(run.count(Counts.COPIED)).isEqualTo(40);
        Document member = members.find(Filters.eq("_id", "p00005")).first();
        assertThat(member.getString("first_name")).isEqualTo("First5");
        assertThat(member.getString("firstName")).isEqualTo("First5");
        assertThat(member.getList("_dwShapes", String.class)).containsExactly("old", "new");

        assertThat(verifier.run(TestMigrations.MEMBERS, JobOptions.defaults()).isClean()).isTrue();
        members.updateOne(Filters.eq("_id", "p00006"), new Document("$set", new Document("email", "wrong@x")));
        JobRun verification = verifier.run(TestMigrations.MEMBERS, JobOptions.defaults());
        assertThat(verification.count(Counts.DIFFERENT)).isEqualTo(1);
        assertThat(verification.examples()).singleElement().satisfies(d -> assertThat(d.fields())
                .containsExactly(new Difference.FieldDifference("email", "p6@example.com", "wrong@x")));
    }

    @Test
    void aCopyStartedWhileNotWritingBothIsRecordedAsSuch() throws Exception {
        phases.setAll(Phase.OLD_ONLY);
        seedLegacy(5);
        JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults());
        assertThat(run.allWritingBothAtStart()).isFalse();
        assertThat(run.phaseAtStart()).isEqualTo(Phase.OLD_ONLY);
        assertThat(run.startCondition()).contains("OLD_ONLY");
    }

    @Test
    void aCopyStartedWhileAnotherLiveInstanceWritesOnlyOldIsRecordedAsSuch() throws Exception {
        seedLegacy(5);
        try (ConfigurableApplicationContext lagging = Fixtures.start("copier-tests")) {
            lagging.getBean(SettablePhaseSource.class).setAll(Phase.OLD_ONLY);
            lagging.getBean(io.dualwrite.instances.InstanceHeartbeat.class).tick();
            JobRun run = copier.run(TestMigrations.PEOPLE, JobOptions.defaults());
            assertThat(run.phaseAtStart()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(run.allWritingBothAtStart()).isFalse();
            assertThat(run.startCondition()).contains("OLD_ONLY");
        }
    }

    @Test
    void unknownMigrationsAndBadOptionsAreRefusedClearly() {
        assertThatThrownBy(() -> copier.start("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No migration 'nope'").hasMessageContaining(TestMigrations.PEOPLE);
        assertThatThrownBy(() -> JobOptions.defaults().withBatchSize(0))
                .hasMessageContaining("batch size must be between 1 and 100000, got 0");
        assertThatThrownBy(() -> copier.pause(TestMigrations.PEOPLE)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("none is running or paused");
        assertThat(database.getCollection("dualwrite_jobs").countDocuments()).isZero();
    }

    private static double copiedMeter() {
        var counter = context.getBean(MeterRegistry.class).find("dualwrite.copier.documents")
                .tags("migration", TestMigrations.PEOPLE, "job", "copy", "outcome", Counts.COPIED).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void seedLegacy(int count) {
        MongoCollection<Document> old = people("people_v1");
        List<Document> batch = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(legacy(i));
        }
        old.insertMany(batch);
    }

    static Document legacy(int i) {
        return Fixtures.legacyPerson(i);
    }

    private static MongoCollection<Document> people(String name) {
        return database.getCollection(name);
    }

    @SuppressWarnings("unused")
    private static Person person(String id) {
        return people.findById(id).orElseThrow();
    }
}
