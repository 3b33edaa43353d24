package io.dualwrite.copier;

import static io.dualwrite.copier.ReverseScenario.collection;
import static io.dualwrite.copier.ReverseScenario.members;
import static io.dualwrite.copier.ReverseScenario.people;
import static io.dualwrite.copier.ReverseScenario.phase;
import static io.dualwrite.copier.ReverseScenario.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;

/**
 * The reverse copy and the reverse verification on the two fixture migrations, with writes between the steps but not
 * during a run (for those, see {@code ReverseInterleavingTests} and {@code ReverseRaceTests}): the whole rollback from
 * READ_NEW_WRITE_NEW to READ_OLD_WRITE_BOTH, dead letters, the verifier's findings, the runs the phase guard reads
 * and bad input. Two application contexts on one database are two service instances, {@code a} and {@code b}.
 */
class ReverseCopierTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final String MEMBERS = TestMigrations.MEMBERS;

    private static ConfigurableApplicationContext a;

    private static ConfigurableApplicationContext b;

    private static ReverseCopier reverseCopier;

    private static ReverseVerifier reverseVerifier;

    @BeforeAll
    static void start() {
        a = Fixtures.start("reverse_copier", "dualwrite.copier.poll-interval=10ms");
        b = Fixtures.start("reverse_copier", "dualwrite.copier.poll-interval=10ms");
        reverseCopier = a.getBean(ReverseCopier.class);
        reverseVerifier = a.getBean(ReverseVerifier.class);
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(a);
        phase(a, Phase.READ_OLD_WRITE_BOTH);
        phase(b, Phase.READ_OLD_WRITE_BOTH);
    }

    // ------------------------------------------------------------------ the rollback, two collections

    /**
     * Entities created, updated, deleted and re-created in READ_NEW_WRITE_NEW reach only the new shape. A reverse copy
     * there writes them to old on new's behalf and a reverse verification finds nothing wrong; the instances go back to
     * READ_NEW_WRITE_BOTH (one after the other, writing meanwhile); a second reverse copy, once every instance writes
     * both, hands everything back; READ_OLD_WRITE_BOTH then reads every acknowledged write, and no deleted entity.
     */
    @Test
    void aRollbackFromReadNewWriteNewReadsEveryAcknowledgedWriteFromOld() throws Exception {
        ReverseScenario.Model model = forwardToReadNewWriteNew(40);
        PersonRepository newOnly = people(a);
        model.ack(create(a, "n1", "n1@new-only"));
        model.ack(create(a, "n2", "n2@new-only"));
        model.ack(update(a, "p00003", "p3@new-only", 33));
        model.ack(update(a, "p00003", "p3@again", 34));
        model.ack(update(a, "p00004", "p4@new-only", 44));
        newOnly.deleteById("p00005");
        model.deleted("p00005");
        create(a, "n3", "n3@short-lived");
        newOnly.deleteById("n3");
        model.deleted("n3");
        newOnly.deleteById("p00006");
        model.ack(create(a, "p00006", "p6@born-again"));
        assertThat(raw(a, "people_v1", "n1")).as("new-only writes reach only new").isNull();

        JobRun first = reverseCopier.run(PEOPLE, JobOptions.defaults().withBatchSize(7));

        assertThat(first.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(first.allWritingBothAtStart()).isFalse();
        assertThat(first.startCondition()).contains("READ_NEW_WRITE_NEW");
        assertThat(first.count(Counts.DEAD_LETTERED)).isZero();
        assertThat(first.count(Counts.HANDED_BACK)).as("not while instances may write new only").isZero();
        assertThat(first.newOnly()).as("n1, n2, p3, p4, p5, n3, p6 in both shapes").isEqualTo(14);
        assertThat(first.handedEverythingBack()).isFalse();
        assertThat(Bookkeeping.isNewOnly(raw(a, "people_v1", "n1"))).as("written on new's behalf").isTrue();
        model.assertShape(collection(a, "people_v1"), ReverseScenario.OLD_PEOPLE, "after the first reverse copy");

        JobRun verification = reverseVerifier.run(PEOPLE, JobOptions.defaults().withBatchSize(7));
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(verification.newOnly()).isEqualTo(7);
        assertThat(verification.processed()).as("both sides: 43 documents each").isEqualTo(86);

        model.ack(update(a, "p00004", "p4@after-the-copy", 45)); // reaches new only, again
        JobRun again = reverseVerifier.run(PEOPLE, JobOptions.defaults());
        assertThat(again.isClean()).as("old lags behind new where new decides: " + JobReport.summary(again))
                .isTrue();

        phase(a, Phase.READ_NEW_WRITE_BOTH); // b is still in READ_NEW_WRITE_NEW
        model.ack(update(a, "p00003", "p3@write-both", 35));
        model.ack(update(b, "n1", "n1@still-new-only", 11));
        model.ack(update(a, "p00010", "p10@write-both", 10));
        model.assertReads(people(a), "READ_NEW_WRITE_BOTH + READ_NEW_WRITE_NEW");
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        model.ack(update(b, "n2", "n2@write-both", 12));
        people(b).deleteById("p00011");
        model.deleted("p00011");

        JobRun second = reverseCopier.run(PEOPLE, JobOptions.defaults().withBatchSize(7));

        assertThat(second.allWritingBothAtStart()).as(second.startCondition()).isTrue();
        assertThat(second.count(Counts.HANDED_BACK)).as("n1, n2, p3, p4, p5, n3, p6").isEqualTo(7);
        assertThat(second.handedEverythingBack()).as(JobReport.summary(second)).isTrue();
        JobRun handedBack = reverseVerifier.run(PEOPLE, JobOptions.defaults());
        assertThat(handedBack.isClean()).as(JobReport.summary(handedBack)).isTrue();
        assertThat(handedBack.newOnly()).isZero();

        phase(a, Phase.READ_OLD_WRITE_BOTH);
        model.assertReads(people(a), "READ_OLD_WRITE_BOTH + READ_NEW_WRITE_BOTH");
        model.assertReads(people(b), "READ_NEW_WRITE_BOTH + READ_OLD_WRITE_BOTH");
        phase(b, Phase.READ_OLD_WRITE_BOTH);
        model.assertReads(people(b), "READ_OLD_WRITE_BOTH");
        model.assertShape(collection(a, "people_v1"), ReverseScenario.OLD_PEOPLE, "old shape");
        model.assertShape(collection(a, "people_v2"), ReverseScenario.NEW_PEOPLE, "new shape");
        assertThat(people(a).findByEmail("p5@example.com")).isEmpty();
        assertThat(people(a).findByEmail("n3@short-lived")).isEmpty();

        model.ack(update(a, "p00003", "p3@read-old", 36));
        model.ack(update(b, "n1", "n1@read-old", 13));
        model.assertShape(collection(a, "people_v2"), ReverseScenario.NEW_PEOPLE, "new shape after writes");
        JobRun forward = a.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults());
        assertThat(forward.isClean()).as(JobReport.summary(forward)).isTrue();
    }

    /** Without a second reverse copy, entities written in READ_NEW_WRITE_NEW since are still decided by new. */
    @Test
    void aReverseCopyStartedWhileInstancesWroteNewOnlyDoesNotHandAnythingBack() throws Exception {
        forwardToReadNewWriteNew(10);
        update(a, "p00001", "p1@new-only", 1);
        reverseCopier.run(PEOPLE, JobOptions.defaults());
        phase(a, Phase.READ_NEW_WRITE_BOTH); // b still reports READ_NEW_WRITE_NEW

        JobRun run = reverseCopier.run(PEOPLE, JobOptions.defaults());

        assertThat(run.allWritingBothAtStart()).isFalse();
        assertThat(run.startCondition()).contains("READ_NEW_WRITE_NEW");
        assertThat(run.handedEverythingBack()).isFalse();
        assertThat(run.newOnly()).isEqualTo(2);
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        phase(a, Phase.READ_OLD_WRITE_BOTH);
        assertThatThrownBy(() -> update(a, "p00001", "p1@read-old", 2))
                .hasMessageContaining("the new shape still decides").hasMessageContaining("reverse copy");
    }

    // ------------------------------------------------------------------ one collection

    /** Both shapes in one collection: the reverse copy adds the old fields to documents written in new only. */
    @Test
    void aRollbackWithinOneCollection() throws Exception {
        collection(a, "members").insertMany(Fixtures.legacyPeople(20));
        a.getBean(Copier.class).run(MEMBERS, JobOptions.defaults());
        phase(a, Phase.READ_NEW_WRITE_BOTH);
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        phase(a, Phase.READ_NEW_WRITE_NEW);
        phase(b, Phase.READ_NEW_WRITE_NEW);
        ReverseScenario.Model model = new ReverseScenario.Model();
        for (Document document : Fixtures.legacyPeople(20)) {
            String id = document.getString("_id");
            model.ack(members(a).findById(id).orElseThrow());
        }
        model.ack(createMember(a, "m1", "m1@new-only"));
        model.ack(updateMember(a, "p00002", "p2@new-only"));
        members(a).deleteById("p00003");
        model.deleted("p00003");
        assertThat(raw(a, "members", "m1").getList("_dwShapes", String.class)).containsExactly("new");

        JobRun first = reverseCopier.run(MEMBERS, JobOptions.defaults().withBatchSize(6));
        assertThat(first.count(Counts.COPIED)).isEqualTo(2);
        assertThat(first.newOnly()).isZero();
        assertThat(raw(a, "members", "m1").getString("mail")).isEqualTo("m1@new-only");
        assertThat(raw(a, "members", "m1").getList("_dwShapes", String.class)).containsExactly("old", "new");
        JobRun verification = reverseVerifier.run(MEMBERS, JobOptions.defaults());
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();

        model.ack(updateMember(a, "p00004", "p4@after-the-copy")); // new only again
        assertThat(reverseVerifier.run(MEMBERS, JobOptions.defaults()).newOnly()).isEqualTo(1);
        phase(a, Phase.READ_NEW_WRITE_BOTH);
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        model.ack(updateMember(b, "m1", "m1@write-both"));
        JobRun second = reverseCopier.run(MEMBERS, JobOptions.defaults());
        assertThat(second.handedEverythingBack()).as(JobReport.summary(second)).isTrue();

        phase(a, Phase.READ_OLD_WRITE_BOTH);
        phase(b, Phase.READ_OLD_WRITE_BOTH);
        model.assertMemberReads(members(a), "READ_OLD_WRITE_BOTH");
        assertThat(members(a).findByEmail("p3@example.com")).isEmpty();
        model.ack(updateMember(a, "p00004", "p4@read-old"));
        model.assertMemberReads(members(b), "READ_OLD_WRITE_BOTH after a write");
        JobRun clean = reverseVerifier.run(MEMBERS, JobOptions.defaults());
        assertThat(clean.isClean()).as(JobReport.summary(clean)).isTrue();
        assertThat(clean.newOnly()).isZero();
    }

    // ------------------------------------------------------------------ dead letters

    /**
     * A new document the mapping cannot convert to the old shape becomes a dead letter of the reverse copy (apart from
     * the copy's own dead letters), the rest goes on, and a later run retries it and clears the dead letter.
     */
    @Test
    void unconvertibleNewDocumentsAreDeadLetteredAndRetried() throws Exception {
        forwardToReadNewWriteNew(12);
        Copier copier = a.getBean(Copier.class);
        MongoCollection<Document> news = collection(a, "people_v2");
        news.updateOne(Filters.eq("_id", "p00007"), new Document("$set", new Document("age", "seven")));
        collection(a, "dualwrite_dead_letters").insertOne(new Document("migration", PEOPLE)
                .append("documentId", "x-forward").append("run", "r").append("error", "old trouble")
                .append("at", new java.util.Date()));

        JobRun run = reverseCopier.run(PEOPLE, JobOptions.defaults().withBatchSize(5));

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.count(Counts.DEAD_LETTERED)).isEqualTo(1);
        assertThat(reverseCopier.deadLetters(PEOPLE, 10)).singleElement().satisfies(letter -> {
            assertThat(letter.documentId()).isEqualTo("p00007");
            assertThat(letter.runId()).isEqualTo(run.id());
            assertThat(letter.error()).contains("cannot convert").contains("ClassCastException");
        });
        assertThat(copier.deadLetterCount(PEOPLE)).as("the copy's dead letters are apart").isEqualTo(1);
        assertThat(copier.deadLetters(PEOPLE, 10)).singleElement().extracting(DeadLetter::documentId)
                .isEqualTo("x-forward");
        JobRun verification = reverseVerifier.run(PEOPLE, JobOptions.defaults());
        assertThat(verification.count(Counts.UNCONVERTIBLE)).isEqualTo(1);
        assertThat(verification.isClean()).isFalse();

        news.updateOne(Filters.eq("_id", "p00007"), new Document("$set", new Document("age", 7)));
        JobRun rerun = reverseCopier.run(PEOPLE, JobOptions.defaults().withBatchSize(5));
        assertThat(rerun.count(Counts.DEAD_LETTERED)).isZero();
        assertThat(reverseCopier.deadLetterCount(PEOPLE)).isZero();
        assertThat(copier.deadLetterCount(PEOPLE)).isEqualTo(1);
        assertThat(raw(a, "people_v1", "p00007").getString("age_text")).isEqualTo("7");
    }

    // ------------------------------------------------------------------ what the reverse verifier reports

    @Test
    void theReverseVerifierReportsMissingStaleDifferentAndExtraInOld() throws Exception {
        forwardToReadNewWriteNew(20);
        phase(a, Phase.READ_NEW_WRITE_BOTH);
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        MongoCollection<Document> olds = collection(a, "people_v1");
        olds.deleteOne(Filters.eq("_id", "p00001"));
        olds.updateOne(Filters.eq("_id", "p00002"), new Document("$set", new Document("last_name", "Changed")));
        Person p3 = people(a).findById("p00003").orElseThrow();
        p3.setEmail("p3@both");
        people(a).save(p3);
        olds.updateOne(Filters.eq("_id", "p00003"), new Document("$set", new Document("version", 0L)));
        olds.insertOne(new Document("_id", "zz-extra").append("first_name", "X").append("version", 5L));
        people(a).deleteById("p00004");
        olds.replaceOne(Filters.eq("_id", "p00004"), CopierTests.legacy(4));

        JobRun verification = reverseVerifier.run(PEOPLE, JobOptions.defaults().withBatchSize(6));

        assertThat(verification.isClean()).isFalse();
        assertThat(verification.count(Counts.MISSING)).isEqualTo(1);
        assertThat(verification.count(Counts.STALE)).isEqualTo(1);
        assertThat(verification.count(Counts.DIFFERENT)).isEqualTo(1);
        assertThat(verification.count(Counts.EXTRA)).as("zz-extra, and p00004 deleted in new only").isEqualTo(2);
        assertThat(verification.newOnly()).isZero();
        Difference different = verification.examples().stream().filter(d -> d.kind().equals(Counts.DIFFERENT))
                .findFirst().orElseThrow();
        assertThat(different.id()).isEqualTo("p00002");
        assertThat(different.fields()).containsExactly(
                new Difference.FieldDifference("last_name", "Last2", "Changed"));

        JobRun copy = reverseCopier.run(PEOPLE, JobOptions.defaults());
        assertThat(copy.count(Counts.COPIED)).as("p00001 (missing), p00003 (stale), p00004 (the tombstone)")
                .isEqualTo(3);
        JobRun after = reverseVerifier.run(PEOPLE, JobOptions.defaults());
        assertThat(after.count(Counts.MISSING) + after.count(Counts.STALE)).isZero();
        assertThat(after.count(Counts.EXTRA)).as("zz-extra: the reverse copy only writes what new has").isEqualTo(1);
        assertThat(after.count(Counts.DIFFERENT)).as("same write, other content: the guard never rewrites it")
                .isEqualTo(1);
    }

    // ------------------------------------------------------------------ what the phase guard reads

    /**
     * The runs the phase guard reads: finished reverse copies started after a time (a cancelled one is not one of
     * them), and clean reverse verifications started after such a copy finished.
     */
    @Test
    void finishedReverseCopiesAndCleanReverseVerificationsAfterAGivenTime() throws Exception {
        forwardToReadNewWriteNew(10);
        JobStore store = a.getBean(JobStore.class);
        Instant enteredReadNewWriteNew = Instant.now().minusSeconds(1);
        assertThat(store.finishedStartedAfter(PEOPLE, JobKind.REVERSE_COPY, enteredReadNewWriteNew)).isEmpty();

        JobHandle cancelled = reverseCopier.start(PEOPLE, JobOptions.defaults().withRate(1).withBatchSize(1));
        JobRun cancelledRun = reverseCopier.cancel(PEOPLE);
        assertThat(cancelled.await(java.time.Duration.ofSeconds(20))).isTrue();
        assertThat(cancelledRun.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(store.finishedStartedAfter(PEOPLE, JobKind.REVERSE_COPY, enteredReadNewWriteNew))
                .as("a cancelled run does not count").isEmpty();
        assertThat(store.latestFinished(PEOPLE, JobKind.REVERSE_COPY)).isEmpty();

        JobRun copy = reverseCopier.run(PEOPLE, JobOptions.defaults());
        JobRun verification = reverseVerifier.run(PEOPLE, JobOptions.defaults());

        List<JobRun> copies = store.finishedStartedAfter(PEOPLE, JobKind.REVERSE_COPY, enteredReadNewWriteNew);
        assertThat(copies).extracting(JobRun::id).containsExactly(copy.id());
        assertThat(store.latestFinished(PEOPLE, JobKind.REVERSE_COPY)).get().extracting(JobRun::id)
                .isEqualTo(copy.id());
        assertThat(store.recent(PEOPLE, JobKind.REVERSE_COPY, 5)).extracting(JobRun::id)
                .containsExactly(copy.id(), cancelledRun.id());
        List<JobRun> verifications = store.finishedStartedAfter(PEOPLE, JobKind.REVERSE_VERIFY, copy.finishedAt());
        assertThat(verifications).extracting(JobRun::id).containsExactly(verification.id());
        assertThat(verifications.get(0).isClean()).isTrue();
        assertThat(store.finishedStartedAfter(PEOPLE, JobKind.REVERSE_VERIFY, verification.startedAt())).isEmpty();
        assertThat(store.latestFinished(PEOPLE, JobKind.COPY)).get().extracting(JobRun::kind)
                .as("the kinds are apart").isEqualTo(JobKind.COPY);
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void unknownMigrationsAndRunsThatDoNotExistAreRefusedClearly() {
        long runs = collection(a, "dualwrite_jobs").countDocuments();
        assertThatThrownBy(() -> reverseCopier.start("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No migration 'nope'").hasMessageContaining(PEOPLE);
        assertThatThrownBy(() -> reverseVerifier.run("nope", JobOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No migration 'nope'");
        assertThatThrownBy(() -> reverseCopier.pause(PEOPLE)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reverse-copy").hasMessageContaining("none is running or paused");
        assertThatThrownBy(() -> reverseVerifier.setRate(PEOPLE, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate must be 0");
        assertThatThrownBy(() -> JobKind.fromTag("backwards")).hasMessageContaining(
                "use copy, verify, reverse-copy or reverse-verify");
        assertThat(collection(a, "dualwrite_jobs").countDocuments()).as("nothing changed").isEqualTo(runs);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Legacy documents copied forward, then both instances in READ_NEW_WRITE_NEW; the model holds the legacy entities
     * as read.
     */
    private static ReverseScenario.Model forwardToReadNewWriteNew(int legacy) throws InterruptedException {
        collection(a, "people_v1").insertMany(Fixtures.legacyPeople(legacy));
        JobRun copy = a.getBean(Copier.class).run(PEOPLE, JobOptions.defaults());
        assertThat(copy.allWritingBothAtStart()).isTrue();
        assertThat(a.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults()).isClean()).isTrue();
        for (Phase phase : List.of(Phase.READ_NEW_WRITE_BOTH, Phase.READ_NEW_WRITE_NEW)) {
            phase(a, phase);
            phase(b, phase);
        }
        ReverseScenario.Model model = new ReverseScenario.Model();
        people(a).findAll().forEach(model::ack);
        return model;
    }

    static Person update(ConfigurableApplicationContext instance, String id, String email, int age) {
        Person person = people(instance).findById(id).orElseThrow();
        person.setEmail(email);
        person.setAge(age);
        return people(instance).save(person);
    }

    static Person create(ConfigurableApplicationContext instance, String id, String email) {
        Person person = Person.of("F-" + id, "L-" + id, email, 40, "555-" + id);
        person.setId(id);
        return people(instance).save(person);
    }

    private static Member createMember(ConfigurableApplicationContext instance, String id, String email) {
        Member member = Member.of("F-" + id, "L-" + id, email, 41, null);
        member.setId(id);
        return members(instance).save(member);
    }

    private static Member updateMember(ConfigurableApplicationContext instance, String id, String email) {
        Member member = members(instance).findById(id).orElseThrow();
        member.setEmail(email);
        return members(instance).save(member);
    }
}
