package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;

/**
 * The copier's guard against concurrent writers (DESIGN invariants 1, 2, 4), proven with deterministic interleavings:
 * the copier is held between reading a batch and writing it ({@link JobListener#batchRead}), and writers are held
 * between the two writes of a dual write ({@link CommandHooks}), so every crossing happens in exactly the order the
 * test names. Two application contexts on one database are two service instances: {@code main} (in
 * {@code READ_OLD_WRITE_BOTH}, it runs the copier) and {@code other} (in whatever phase the test puts it).
 */
class CopierInterleavingTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final NewPersonMapping<Person> NEW_MAPPING = new NewPersonMapping<>(Person::new);

    private static final RecordingListener listener = new RecordingListener();

    private static ConfigurableApplicationContext main;

    private static ConfigurableApplicationContext other;

    private static Copier copier;

    private static Verifier verifier;

    @BeforeAll
    static void start() {
        main = CopierContexts.start("copier_interleavings",
                CopierContexts.Process.of(null, null, listener, "dualwrite.copier.poll-interval=10ms"));
        other = CopierContexts.start("copier_interleavings", CopierContexts.Process.of(null, null, null));
        copier = main.getBean(Copier.class);
        verifier = main.getBean(Verifier.class);
    }

    @AfterAll
    static void stop() {
        main.close();
        other.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(main);
        listener.reset();
        CommandHooks.clear();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(other, Phase.READ_OLD_WRITE_BOTH);
    }

    @AfterEach
    void clearHooks() {
        CommandHooks.clear();
        listener.reset();
    }

    // ------------------------------------------------------------------ 1a: updates

    /** Copier reads, a writer updates both shapes, the copier writes its older read: the writer's version stays. */
    @Test
    void anUpdateBetweenTheCopiersReadAndWriteIsKept() throws Exception {
        seedLegacy(10);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        Person saved = update(main, "p00003", "writer@x", 77);
        JobRun run = copy.finish();

        assertThat(run.count(Counts.COPIED)).isEqualTo(9);
        assertThat(run.count(Counts.SKIPPED)).as("the guard refused the older read").isEqualTo(1);
        assertNewHolds(saved);
        assertVerifiedClean();
    }

    /** The reverse order: the copier writes first, then a writer that read before the copy updates. */
    @Test
    void anUpdateAfterTheCopyReplacesTheCopy() throws Exception {
        seedLegacy(10);
        Person loaded = repository(main).findById("p00003").orElseThrow();

        JobRun run = copier.run(PEOPLE, options(10));
        assertThat(run.count(Counts.COPIED)).isEqualTo(10);
        loaded.setEmail("writer@x");
        Person saved = repository(main).save(loaded);

        assertNewHolds(saved);
        assertVerifiedClean();
    }

    /**
     * A writer has claimed its write on old and is held before writing new; the copier reads that write from old and
     * copies it; then the writer's own write to new finds exactly its version there.
     */
    @Test
    void theCopierCopiesTheWriteOfAWriterHeldBetweenItsTwoWrites() throws Exception {
        seedLegacy(10);
        Held<Person> writer = new Held<>("people_v2", () -> update(main, "p00003", "writer@x", 77));

        JobRun run = copier.run(PEOPLE, options(10));
        Person saved = writer.release();

        assertThat(run.count(Counts.COPIED)).isEqualTo(10);
        assertNewHolds(saved);
        assertVerifiedClean();
    }

    /**
     * The copier reads, a writer claims old and is held before new, the copier writes its older read (the new shape
     * had nothing), then the writer's second write replaces that copy.
     */
    @Test
    void aWriterHeldBetweenItsWritesOverwritesTheOlderCopyThatLandedMeanwhile() throws Exception {
        seedLegacy(10);
        HeldCopy copy = copyHeldAfterFirstRead(10);
        Held<Person> writer = new Held<>("people_v2", () -> update(main, "p00003", "writer@x", 77));

        JobRun run = copy.finish();
        assertThat(run.count(Counts.COPIED)).isEqualTo(10);
        assertThat(rawNew("p00003").get("version")).as("the copier wrote what it read").isEqualTo(0L);
        Person saved = writer.release();

        assertNewHolds(saved);
        assertVerifiedClean();
    }

    // ------------------------------------------------------------------ 1b: deletes

    /** READ_OLD_WRITE_BOTH deletes with tombstones in both shapes; the older read cannot bring the entity back. */
    @Test
    void aWriteBothDeleteBetweenTheCopiersReadAndWriteIsNotUndone() throws Exception {
        seedLegacy(10);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        repository(main).deleteById("p00003");
        JobRun run = copy.finish();

        assertThat(run.count(Counts.SKIPPED)).as("the tombstone refused the copy").isEqualTo(1);
        assertThat(run.count(Counts.DELETES_CAUGHT)).isZero();
        assertDeletedEverywhere("p00003", "p3@example.com");
        assertVerifiedClean();
    }

    /**
     * The copier's write lands after a write-both delete claimed old but before its tombstone reached new: the
     * copier's re-check finds the tombstone in old and withdraws the copy; the delete's second write then completes.
     */
    @Test
    void aCopyLandingBetweenTheTwoWritesOfADeleteIsWithdrawnByTheReCheck() throws Exception {
        seedLegacy(10);
        HeldCopy copy = copyHeldAfterFirstRead(10);
        Held<String> delete = new Held<>("people_v2", () -> {
            repository(main).deleteById("p00003");
            return "deleted";
        });

        JobRun run = copy.finish();
        assertThat(delete.release()).isEqualTo("deleted");

        assertThat(run.count(Counts.DELETES_CAUGHT)).isEqualTo(1);
        assertDeletedEverywhere("p00003", "p3@example.com");
        assertVerifiedClean();
    }

    /** An OLD_ONLY instance removes the old document and leaves a tombstone in new; the copy is refused. */
    @Test
    void anOldOnlyDeleteBetweenTheCopiersReadAndWriteIsNotUndone() throws Exception {
        seedLegacy(10);
        phase(other, Phase.OLD_ONLY);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        repository(other).deleteById("p00003");
        assertThat(rawOld("p00003")).isNull();
        assertThat(Bookkeeping.isTombstone(rawNew("p00003"))).isTrue();
        JobRun run = copy.finish();

        assertThat(run.count(Counts.SKIPPED)).isEqualTo(1);
        assertDeletedEverywhere("p00003", "p3@example.com");
    }

    /**
     * An OLD_ONLY delete whose process died between its two steps (old removed, no tombstone in new), while the copier
     * held the document: the copy lands, and the re-check after the batch finds the source gone and withdraws it.
     */
    @Test
    void anOldOnlyDeleteThatCrashedBeforeItsTombstoneIsCaughtByTheReCheck() throws Exception {
        seedLegacy(10);
        phase(other, Phase.OLD_ONLY);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        repository(other).deleteById("p00003");
        people("people_v2").deleteOne(Filters.eq("_id", "p00003")); // the crash: the tombstone never got written
        JobRun run = copy.finish();

        assertThat(run.count(Counts.DELETES_CAUGHT)).isEqualTo(1);
        assertThat(Bookkeeping.isTombstone(rawNew("p00003"))).as("the copy became a tombstone").isTrue();
        assertDeletedEverywhere("p00003", "p3@example.com");
        assertVerifiedClean();
    }

    /**
     * An OLD_ONLY delete whose tombstone the new shape refuses (a unique index on {@code email}: a tombstone has no
     * email, like another document there): the failure is recorded for repair, and the copier, which copied the
     * document from its earlier read, still leaves no live copy behind.
     */
    @Test
    void anOldOnlyDeleteWhoseTombstoneTheNewShapeRefusesIsRecordedAndCaughtByTheReCheck() throws Exception {
        seedLegacy(10);
        MongoCollection<Document> target = people("people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        target.insertOne(new Document("_id", "zz-no-email").append("firstName", "N").append("version", 1L));
        phase(other, Phase.OLD_ONLY);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        repository(other).deleteById("p00003");
        assertThat(rawOld("p00003")).isNull();
        assertThat(rawNew("p00003")).as("the new shape refused the tombstone").isNull();
        Document repair = people("dualwrite_repairs").find(Filters.eq("entityId", "p00003")).first();
        assertThat(repair).as("the refused tombstone is recorded").isNotNull();
        assertThat(repair.getBoolean("repaired")).isFalse();
        JobRun run = copy.finish();

        assertThat(run.count(Counts.DELETES_CAUGHT)).isEqualTo(1);
        assertDeletedEverywhere("p00003", "p3@example.com");
    }

    // ------------------------------------------------------------------ 1c: failed second writes

    /**
     * A write-both writer's second write is refused while the copier runs (a unique index on the new shape, taken by
     * another entity at that moment); READ_OLD_WRITE_BOTH acknowledges and records it. The copier, reading the entity
     * after the failure (its third batch: the worker reads one batch ahead, so the second was read already), repairs the new shape with the newer old version; the verifier still counts the unrepaired
     * record, so the verification is not clean.
     */
    @Test
    void aFailedSecondWriteIsRepairedByTheCopierAndStillReportedByTheVerifier() throws Exception {
        seedLegacy(30);
        MongoCollection<Document> target = people("people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        target.insertOne(new Document("_id", "squatter").append("email", "taken@x").append("version", 1L));
        HeldCopy copy = copyHeldAfterFirstRead(10); // holds p00000..p00009

        Person saved = update(main, "p00025", "taken@x", 15);
        assertThat(repository(main).findById("p00025")).get().extracting(Person::getEmail).isEqualTo("taken@x");
        assertThat(rawNew("p00025")).as("the second write failed").isNull();
        Document repair = people("dualwrite_repairs").find(Filters.eq("entityId", "p00025")).first();
        assertThat(repair).isNotNull();
        assertThat(repair.getBoolean("repaired")).isFalse();
        assertThat(repair.getString("shape")).isEqualTo("new");
        target.deleteOne(Filters.eq("_id", "squatter")); // the conflict goes away

        JobRun run = copy.finish();

        assertThat(run.count(Counts.COPIED)).isEqualTo(30);
        assertNewHolds(saved);
        JobRun verification = verifier.run(PEOPLE, options(10));
        assertThat(verification.count(Counts.UNREPAIRED)).isEqualTo(1);
        assertThat(verification.differences()).as(JobReport.summary(verification)).isEqualTo(1);
        assertThat(verification.isClean()).isFalse();
    }

    /**
     * The same failure on an entity the copier had already read: its copy is older than the acknowledged write. The
     * verifier reports it stale (and unrepaired); the next copier run repairs the data.
     */
    @Test
    void aFailedSecondWriteOnAnEntityTheCopierHadReadIsReportedStaleAndRepairedByTheNextRun() throws Exception {
        seedLegacy(10);
        MongoCollection<Document> target = people("people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        target.insertOne(new Document("_id", "squatter").append("email", "taken@x").append("version", 1L));
        HeldCopy copy = copyHeldAfterFirstRead(10);

        Person saved = update(main, "p00003", "taken@x", 3);
        target.deleteOne(Filters.eq("_id", "squatter"));
        copy.finish();

        JobRun verification = verifier.run(PEOPLE, options(10));
        assertThat(verification.count(Counts.STALE)).as(JobReport.summary(verification)).isEqualTo(1);
        assertThat(verification.count(Counts.UNREPAIRED)).isEqualTo(1);
        assertThat(verification.isClean()).isFalse();

        JobRun rerun = copier.run(PEOPLE, options(10));
        assertThat(rerun.count(Counts.COPIED)).isEqualTo(1);
        assertNewHolds(saved);
        JobRun again = verifier.run(PEOPLE, options(10));
        assertThat(again.count(Counts.STALE)).isZero();
        assertThat(again.differences()).as(JobReport.summary(again)).isEqualTo(again.count(Counts.UNREPAIRED));
        assertThat(again.isClean()).isFalse();
    }

    // ------------------------------------------------------------------ 1d: adjacent phases

    /**
     * Instances in READ_OLD_WRITE_BOTH and READ_NEW_WRITE_BOTH update, create and delete while the copier holds a
     * batch it read: afterwards both instances read what they acknowledged, deletes stay deleted, and the
     * verification is clean.
     */
    @Test
    void instancesInAdjacentPhasesWritingWhileTheCopierHoldsABatch() throws Exception {
        seedLegacy(30);
        Person a1 = create(main, "a1", "a1@x");
        Person a2 = create(main, "a2", "a2@x");
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        HeldCopy copy = copyHeldAfterFirstRead(10); // a1, a2, p00000..p00007

        assertThat(listener.read.get(0).ids()).contains("a1", "a2", "p00002", "p00004");
        List<Person> expected = new ArrayList<>();
        a1.setEmail("a1@read-new");
        expected.add(repository(other).save(a1));
        Person c1 = create(other, "c1", "c1@read-new");
        expected.add(c1);
        expected.add(update(main, "p00002", "p2@read-old", 2));
        expected.add(update(main, "p00015", "p15@read-old", 15));
        repository(other).delete(repository(other).findById("a2").orElseThrow());
        repository(main).deleteById("p00004");

        JobRun run = copy.finish();

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        for (Person person : expected) {
            assertNewHolds(person);
            assertThat(repository(main).findById(person.getId())).get().satisfies(p -> assertSame(p, person));
            phase(other, Phase.READ_NEW_WRITE_BOTH);
            assertThat(repository(other).findById(person.getId())).get().satisfies(p -> assertSame(p, person));
        }
        assertDeletedEverywhere("a2", "a2@x");
        assertDeletedEverywhere("p00004", "p4@example.com");
        assertVerifiedClean();
    }

    /**
     * A copier run after the first one (a re-run, e.g. after a rollback) while a READ_NEW_WRITE_BOTH instance writes:
     * its write held between old and new (on an entity of the third batch, which the copier, reading one batch ahead,
     * reads only after its first batch is written) is copied by the copier from old, and its own second write then
     * finds it.
     * A READ_NEW_WRITE_BOTH update between the copier's read and write wins over the older read.
     */
    @Test
    void aReRunWhileAReadNewInstanceWrites() throws Exception {
        seedLegacy(30);
        copier.run(PEOPLE, options(10));
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        HeldCopy copy = copyHeldAfterFirstRead(10);

        Person early = repository(other).findById("p00003").orElseThrow();
        early.setEmail("p3@read-new");
        early = repository(other).save(early);
        Held<Person> held = new Held<>("people_v2", () -> update(other, "p00025", "p15@read-new", 15));
        JobRun run = copy.finish();
        Person late = held.release();

        assertThat(run.count(Counts.COPIED)).as("p00015, from the held writer's claim on old").isEqualTo(1);
        assertNewHolds(early);
        assertNewHolds(late);
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        assertThat(repository(main).findById("p00025")).get().satisfies(p -> assertSame(p, late));
        assertVerifiedClean();
    }

    // ------------------------------------------------------------------ one collection

    /**
     * Both shapes in one collection: the copier adds the new fields only to a document still at the version it read,
     * so an update and deletes (write-both tombstone, OLD_ONLY removal) between its read and its write all win.
     */
    @Test
    void inOneCollectionWritersBetweenTheCopiersReadAndWriteWin() throws Exception {
        List<Document> legacy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            legacy.add(CopierTests.legacy(i));
        }
        people("members").insertMany(legacy);
        phase(other, Phase.OLD_ONLY);
        HeldCopy copy = copyHeldAfterFirstRead(TestMigrations.MEMBERS, 10);

        Member member = members(main).findById("p00003").orElseThrow();
        member.setEmail("writer@x");
        Member saved = members(main).save(member);
        members(main).deleteById("p00004");
        members(other).deleteById("p00005");
        JobRun run = copy.finish();

        assertThat(run.count(Counts.COPIED)).isEqualTo(7);
        assertThat(run.count(Counts.SKIPPED)).isEqualTo(3);
        Document stored = people("members").find(Filters.eq("_id", "p00003")).first();
        assertThat(stored.getString("email")).isEqualTo("writer@x");
        assertThat(stored.getString("mail")).isEqualTo("writer@x");
        assertThat(stored.get("version")).isEqualTo(saved.getVersion());
        for (Phase phase : Phase.values()) {
            phase(other, phase);
            assertThat(members(other).findById("p00003")).as("in %s", phase).get()
                    .matches(found -> found.sameContent(saved));
            assertThat(members(other).findById("p00004")).as("in %s", phase).isEmpty();
            assertThat(members(other).findById("p00005")).as("in %s", phase).isEmpty();
        }
        JobRun verification = verifier.run(TestMigrations.MEMBERS, options(10));
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
    }

    private static MemberRepository members(ConfigurableApplicationContext instance) {
        return instance.getBean(MemberRepository.class);
    }

    // ------------------------------------------------------------------ 8: dead letters for target refusals

    /**
     * The new shape refuses a document on a unique index other than {@code _id}: it becomes a dead letter with the
     * reason, the rest of the batch and the run go on; after the data is fixed a new run copies it and clears the
     * dead letter.
     */
    @Test
    void aDocumentTheTargetRefusesOnAnotherUniqueIndexIsDeadLettered() throws Exception {
        seedLegacy(25);
        MongoCollection<Document> target = people("people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        target.insertOne(new Document("_id", "zz-squatter").append("email", "p7@example.com").append("version", 1L));

        JobRun run = copier.run(PEOPLE, options(10));

        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.count(Counts.COPIED)).isEqualTo(24);
        assertThat(run.count(Counts.DEAD_LETTERED)).isEqualTo(1);
        assertThat(copier.deadLetters(PEOPLE, 10)).singleElement().satisfies(letter -> {
            assertThat(letter.documentId()).isEqualTo("p00007");
            assertThat(letter.runId()).isEqualTo(run.id());
            assertThat(letter.error()).contains("refused").contains("unique index other than _id");
        });
        assertThat(rawNew("p00007")).isNull();
        assertThat(rawNew("p00008")).isNotNull();

        target.deleteOne(Filters.eq("_id", "zz-squatter"));
        JobRun rerun = copier.run(PEOPLE, options(10));
        assertThat(rerun.count(Counts.COPIED)).isEqualTo(1);
        assertThat(copier.deadLetterCount(PEOPLE)).isZero();
        assertVerifiedClean();
    }

    // ------------------------------------------------------------------ helpers

    /** A copy run of one worker on one partition whose first batch is held between read and write. */
    private static HeldCopy copyHeldAfterFirstRead(int batchSize) throws InterruptedException {
        return copyHeldAfterFirstRead(PEOPLE, batchSize);
    }

    private static HeldCopy copyHeldAfterFirstRead(String migration, int batchSize) throws InterruptedException {
        Gate gate = new Gate();
        listener.onBatchRead = (worker, batch, ids) -> {
            if (batch == 1) {
                gate.hold();
            }
        };
        JobHandle handle = copier.start(migration, options(batchSize));
        gate.awaitArrival();
        return new HeldCopy(handle, gate);
    }

    private record HeldCopy(JobHandle handle, Gate gate) {

        JobRun finish() throws InterruptedException {
            gate.release();
            assertThat(handle.await(java.time.Duration.ofSeconds(30))).as("copy finished").isTrue();
            JobRun run = handle.run();
            assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
            return run;
        }
    }

    /** A write on its own thread, held right before its write to {@code collection} until released. */
    private static final class Held<T> {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        private final Gate gate = new Gate();

        private final Future<T> outcome;

        Held(String collection, Callable<T> write) throws InterruptedException {
            outcome = thread.submit(() -> {
                CommandHooks.beforeWriting(collection, gate::hold);
                return write.call();
            });
            gate.awaitArrival();
        }

        T release() throws Exception {
            gate.release();
            try {
                return outcome.get(30, TimeUnit.SECONDS);
            }
            finally {
                thread.shutdown();
            }
        }
    }

    private static JobOptions options(int batchSize) {
        return JobOptions.defaults().withPartitions(1).withBatchSize(batchSize);
    }

    private static PersonRepository repository(ConfigurableApplicationContext instance) {
        return instance.getBean(PersonRepository.class);
    }

    private static void phase(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).setAll(phase);
    }

    private static Person update(ConfigurableApplicationContext instance, String id, String email, int age) {
        Person person = repository(instance).findById(id).orElseThrow();
        person.setEmail(email);
        person.setAge(age);
        return repository(instance).save(person);
    }

    private static Person create(ConfigurableApplicationContext instance, String id, String email) {
        Person person = Person.of("F-" + id, "L-" + id, email, 40, "555-" + id);
        person.setId(id);
        return repository(instance).save(person);
    }

    private static void seedLegacy(int count) {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(CopierTests.legacy(i));
        }
        people("people_v1").insertMany(documents);
    }

    private static MongoCollection<Document> people(String collection) {
        return Fixtures.database(main).getCollection(collection);
    }

    private static Document rawOld(String id) {
        return people("people_v1").find(Filters.eq("_id", id)).first();
    }

    private static Document rawNew(String id) {
        return people("people_v2").find(Filters.eq("_id", id)).first();
    }

    private static void assertSame(Person actual, Person expected) {
        assertThat(actual.sameContent(expected)).as("%s has the content of %s", actual, expected).isTrue();
        assertThat(actual.getVersion()).as("version of %s", expected.getId()).isEqualTo(expected.getVersion());
    }

    /** The new shape holds exactly this acknowledged write: its version and its content. */
    private static void assertNewHolds(Person expected) {
        Document stored = rawNew(expected.getId());
        assertThat(stored).as("new shape of %s", expected.getId()).isNotNull();
        assertThat(Bookkeeping.isTombstone(stored)).as("%s is live in the new shape", expected.getId()).isFalse();
        Person fromNew = NEW_MAPPING.fromDocument(stored);
        fromNew.setId(expected.getId());
        fromNew.setVersion(Bookkeeping.version(stored, "version"));
        assertSame(fromNew, expected);
    }

    /** No live document in either shape, and no repository in any phase reads it (by id or by a finder). */
    private static void assertDeletedEverywhere(String id, String email) {
        Document old = rawOld(id);
        assertThat(old == null || Bookkeeping.isTombstone(old)).as("old shape of %s: %s", id, old).isTrue();
        Document current = rawNew(id);
        assertThat(current == null || Bookkeeping.isTombstone(current)).as("new shape of %s: %s", id, current)
                .isTrue();
        Phase before = other.getBean(SettablePhaseSource.class).currentPhase(PEOPLE);
        try {
            for (Phase phase : Phase.values()) {
                phase(other, phase);
                assertThat(repository(other).findById(id)).as("%s read in %s", id, phase).isEmpty();
                assertThat(repository(other).findByEmail(email)).as("%s found by email in %s", id, phase).isEmpty();
            }
        }
        finally {
            phase(other, before);
        }
    }

    private static void assertVerifiedClean() throws InterruptedException {
        JobRun verification = verifier.run(PEOPLE, options(10));
        assertThat(verification.isClean()).as(JobReport.summary(verification) + " " + verification.examples())
                .isTrue();
    }
}
