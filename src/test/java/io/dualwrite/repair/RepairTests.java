package io.dualwrite.repair;

import static io.dualwrite.repair.RepairContexts.block;
import static io.dualwrite.repair.RepairContexts.collection;
import static io.dualwrite.repair.RepairContexts.phase;
import static io.dualwrite.repair.RepairContexts.unblock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Date;
import java.util.List;

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
import com.mongodb.client.model.Updates;

import io.dualwrite.IncompleteWriteException;
import io.dualwrite.Phase;
import io.dualwrite.copier.Counts;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.support.MutableClock;

/**
 * The repair job on real failed second writes (a unique index in one shape refuses the second write; then the
 * conflict goes away): it completes the shape that missed the write from the shape holding the acknowledged one,
 * never over a newer write and never bringing a deleted entity back, in both directions and within one collection;
 * the verification becomes clean. Writes that cross a repair are placed exactly between its read and its write with
 * {@link RepairHooks}.
 */
class RepairTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final NewPersonMapping<Person> NEW_MAPPING = new NewPersonMapping<>(Person::new);

    private static final OldPersonMapping<Person> OLD_MAPPING = new OldPersonMapping<>(Person::new);

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext main;

    private static ConfigurableApplicationContext second;

    private static Repairs repairs;

    @BeforeAll
    static void start() {
        main = RepairContexts.start("repair_tests", clock);
        second = RepairContexts.start("repair_tests", clock);
        repairs = main.getBean(Repairs.class);
    }

    @AfterAll
    static void stop() {
        main.close();
        second.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(main);
        RepairHooks.clear();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_OLD_WRITE_BOTH);
    }

    @AfterEach
    void clearHooks() {
        RepairHooks.clear();
    }

    // ------------------------------------------------------------------ record, repair, converge

    @Test
    void aFailedSecondWriteIsRecordedThenRepairedAndTheVerificationBecomesClean() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        Person acknowledged = update("p1", "taken@x", 41);
        assertThat(rawNew("p1").getString("email")).as("the second write failed").isEqualTo("before@x");
        assertThat(repairs.unrepaired(PEOPLE)).isEqualTo(1);
        assertThat(verify().isClean()).isFalse();

        RepairReport refused = repairs.repairNow(PEOPLE);
        assertThat(refused).isEqualTo(new RepairReport(PEOPLE, 0, 1, 0, 1));
        assertThat(repairs.pending(PEOPLE, 10)).singleElement().satisfies(record -> {
            assertThat(record.entityId()).isEqualTo("p1");
            assertThat(record.shape()).isEqualTo("new");
            assertThat(record.version()).isEqualTo(acknowledged.getVersion());
            assertThat(record.repaired()).isFalse();
            assertThat(record.attempts()).isEqualTo(1);
            assertThat(record.lastError()).contains("the new shape refused the document")
                    .contains("unique index other than _id");
            assertThat(record.nextAttemptAt()).isEqualTo(clock.instant().plus(Duration.ofSeconds(10)));
        });
        assertThat(rawNew("p1").getString("email")).isEqualTo("before@x");

        unblock(main, "people_v2", "taken@x");
        clock.advance(Duration.ofSeconds(1));
        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report).isEqualTo(new RepairReport(PEOPLE, 1, 0, 0, 0));
        assertThat(report.isComplete()).isTrue();
        assertNewHolds(acknowledged);
        assertThat(repairs.recent(PEOPLE, 10)).singleElement().satisfies(record -> {
            assertThat(record.repaired()).isTrue();
            assertThat(record.repairedAt()).isEqualTo(clock.instant());
            assertThat(record.resolution()).isEqualTo("copied");
            assertThat(record.attempts()).isEqualTo(2);
            assertThat(record.nextAttemptAt()).isNull();
        });
        Document raw = collection(main, "dualwrite_repairs").find().first();
        assertThat(raw.getBoolean("repaired")).isTrue();
        assertThat(raw.get("repairedAt")).isEqualTo(Date.from(clock.instant()));
        assertThat(raw).doesNotContainKeys("leaseOwner", "leaseUntil");
        assertThat(repairs.unrepaired(PEOPLE)).isZero();
        JobRun verification = verify();
        assertThat(verification.count(Counts.UNREPAIRED)).isZero();
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
    }

    @Test
    void anIncompleteReadNewWriteIsCompletedSoTheReadShapeHoldsIt() throws Exception {
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        Person changed = people().findById("p1").orElseThrow();
        changed.setEmail("taken@x");
        assertThatThrownBy(() -> people().save(changed)).isInstanceOf(IncompleteWriteException.class);
        long onOld = Bookkeeping.version(rawOld("p1"), "version");
        assertThat(people().findById("p1")).get().extracting(Person::getEmail).isEqualTo("before@x");

        unblock(main, "people_v2", "taken@x");
        assertThat(repairs.repairNow(PEOPLE).repaired()).isEqualTo(1);

        Person read = people().findById("p1").orElseThrow();
        assertThat(read.getEmail()).isEqualTo("taken@x");
        assertThat(read.getVersion()).isEqualTo(onOld);
        assertThat(verify().isClean()).isTrue();
    }

    /**
     * The repair writes old on new's behalf, marked like the write that failed: no claim on old may succeed on it
     * (RepairReverseProtocolTests shows the lost update an unmarked copy lets through).
     */
    @Test
    void aWriteTheNewShapeDecidesIsRepairedIntoTheOldShapeOnNewsBehalf() throws Exception {
        phase(main, Phase.READ_NEW_WRITE_NEW);
        create("p1", "first@x");
        assertThat(rawOld("p1")).isNull();
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        block(main, "people_v1", "mail", "taken@x");
        Person acknowledged = update("p1", "taken@x", 52); // new decides; keeping old up to date fails
        assertThat(rawOld("p1")).isNull();
        assertThat(repairs.pending(PEOPLE, 10)).singleElement().extracting(RepairRecord::shape).isEqualTo("old");

        unblock(main, "people_v1", "taken@x");
        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        Document old = rawOld("p1");
        assertThat(Bookkeeping.isNewOnly(old)).as("marked, as the failed write: %s", old).isTrue();
        Person fromOld = OLD_MAPPING.fromDocument(old);
        fromOld.setId("p1");
        assertThat(fromOld.sameContent(acknowledged)).as("%s", old).isTrue();
        assertThat(old.getLong("version")).isEqualTo(acknowledged.getVersion());
        assertThat(Bookkeeping.isNewOnly(rawNew("p1"))).as("the new shape keeps deciding").isTrue();
        assertNewHolds(acknowledged);
    }

    // ------------------------------------------------------------------ never over a newer write

    @Test
    void anUpdateAfterTheFailureIsNotOverwrittenByTheRepair() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        Person later = update("p1", "later@x", 42);

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report).isEqualTo(new RepairReport(PEOPLE, 1, 0, 0, 0));
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("already-current");
        assertNewHolds(later);
        assertThat(verify().isClean()).isTrue();
    }

    @Test
    void anUpdateBetweenTheRepairsReadAndItsWriteWins() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        Person failed = update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        Person[] later = new Person[1];
        RepairHooks.beforeWriting("people_v2", () -> later[0] = update("p1", "later@x", 42));

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(RepairHooks.pending()).as("the update ran between the repair's read and write").isFalse();
        assertThat(later[0].getVersion()).isGreaterThan(failed.getVersion());
        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("already-current");
        assertNewHolds(later[0]);
        assertThat(people().findById("p1")).get().satisfies(p -> assertThat(p.sameContent(later[0])).isTrue());
        assertThat(verify().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ never bring a deleted entity back

    @Test
    void aDeleteAfterTheFailureIsNotResurrected() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        people().deleteById("p1");

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("already-current");
        assertDeletedEverywhere("p1");
        assertThat(verify().isClean()).isTrue();
    }

    @Test
    void aDeleteBetweenTheRepairsReadAndItsWriteIsNotUndone() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        RepairHooks.beforeWriting("people_v2", () -> people().deleteById("p1"));

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(RepairHooks.pending()).isFalse();
        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).as("the tombstone refused the copy")
                .isEqualTo("already-current");
        assertDeletedEverywhere("p1");
        assertThat(verify().isClean()).isTrue();
    }

    /**
     * An {@code OLD_ONLY} instance deletes between the repair's read and write, and dies before its tombstone reaches
     * the new shape: the repair's copy lands, and its re-check of the source withdraws it.
     */
    @Test
    void anOldOnlyDeleteThatLostItsTombstoneBetweenTheRepairsReadAndWriteIsCaughtByTheReCheck() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        collection(main, "people_v2").deleteOne(Filters.eq("_id", "p1")); // so the repair's copy is an insert
        RepairHooks.beforeWriting("people_v2", () -> {
            phase(second, Phase.OLD_ONLY);
            second.getBean(PersonRepository.class).deleteById("p1");
            collection(main, "people_v2").deleteOne(Filters.eq("_id", "p1")); // the crash: no tombstone
        });

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(RepairHooks.pending()).isFalse();
        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("deleted-meanwhile");
        assertThat(rawOld("p1")).isNull();
        assertThat(Bookkeeping.isTombstone(rawNew("p1"))).as("%s", rawNew("p1")).isTrue();
        assertDeletedEverywhere("p1");
    }

    /** The second step of an {@code OLD_ONLY} delete (its tombstone in the new shape) fails: the repair writes it. */
    @Test
    void anOldOnlyDeleteWhoseTombstoneWasRefusedIsCompletedWithATombstone() throws Exception {
        create("p1", "before@x");
        MongoCollection<Document> target = collection(main, "people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        target.insertOne(new Document("_id", "zz-no-email").append("version", 1L)); // like a tombstone: no email
        phase(main, Phase.OLD_ONLY);
        people().deleteById("p1");
        assertThat(rawOld("p1")).isNull();
        assertThat(Bookkeeping.isTombstone(rawNew("p1"))).as("the tombstone was refused").isFalse();
        RepairRecord record = repairs.pending(PEOPLE, 1).get(0);
        target.deleteOne(Filters.eq("_id", "zz-no-email"));
        JobRun before = verify();
        assertThat(before.count(Counts.EXTRA)).as(JobReport.summary(before)).isEqualTo(1);

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        Document tombstone = rawNew("p1");
        assertThat(Bookkeeping.isTombstone(tombstone)).isTrue();
        assertThat(tombstone.getLong("version")).isEqualTo(record.version());
        assertDeletedEverywhere("p1");
        assertThat(verify().isClean()).isTrue();
    }

    // ------------------------------------------------------------------ one collection

    @Test
    void inOneCollectionTheMissingShapeIsRebuiltWithinTheDocument() throws Exception {
        MemberRepository members = main.getBean(MemberRepository.class);
        Member saved = members.save(withId(Member.of("Ada", "L", "ada@x", 36, "555-1"), "m1"));
        Member gone = members.save(withId(Member.of("Bob", "M", "bob@x", 40, "555-2"), "m2"));
        members.deleteById(gone.getId());
        MongoCollection<Document> collection = collection(main, "members");
        // as if only the old shape had been written: the new fields are missing
        collection.updateOne(Filters.eq("_id", "m1"), Updates.combine(Updates.unset("firstName"),
                Updates.unset("lastName"), Updates.unset("email"), Updates.unset("age"), Updates.unset("contact"),
                Updates.set(Bookkeeping.SHAPES, List.of("old"))));
        record(TestMigrations.MEMBERS, "m1", "new", saved.getVersion());
        record(TestMigrations.MEMBERS, "m2", "new", gone.getVersion());
        assertThat(verify(TestMigrations.MEMBERS).isClean()).isFalse();

        RepairReport report = repairs.repairNow(TestMigrations.MEMBERS);

        assertThat(report).isEqualTo(new RepairReport(TestMigrations.MEMBERS, 2, 0, 0, 0));
        assertThat(repairs.recent(TestMigrations.MEMBERS, 10)).extracting(RepairRecord::resolution)
                .containsExactlyInAnyOrder("copied", "nothing-to-copy");
        Document stored = collection.find(Filters.eq("_id", "m1")).first();
        assertThat(stored.getString("email")).isEqualTo("ada@x");
        assertThat(stored.getString("mail")).isEqualTo("ada@x");
        assertThat(stored.getList(Bookkeeping.SHAPES, String.class)).containsExactly("old", "new");
        assertThat(stored.getLong("version")).as("a repair is no write of the entity").isEqualTo(saved.getVersion());
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        assertThat(members.findById("m1")).get().satisfies(m -> assertThat(m.sameContent(saved)).isTrue());
        assertThat(members.findById("m2")).isEmpty();
        assertThat(verify(TestMigrations.MEMBERS).isClean()).isTrue();
    }

    // ------------------------------------------------------------------ several processes

    /**
     * Process {@code second} repairs while {@code main} holds the lease of its first record (between the read and the
     * write of that repair): {@code second} skips that record and repairs the others; {@code main} then finds those
     * repaired. Every record is repaired once.
     */
    @Test
    void twoProcessesRepairingAtOnceShareTheRecordsThroughLeases() throws Exception {
        block(main, "people_v2", "email", "taken-1@x");
        block(main, "people_v2", "email", "taken-2@x");
        block(main, "people_v2", "email", "taken-3@x");
        for (int i = 1; i <= 3; i++) {
            create("p" + i, "before@x" + i);
            update("p" + i, "taken-" + i + "@x", i);
            unblock(main, "people_v2", "taken-" + i + "@x");
        }
        RepairReport[] other = new RepairReport[1];
        RepairHooks.beforeWriting("people_v2", () -> other[0] = second.getBean(Repairs.class).repairNow(PEOPLE));

        RepairReport mine = repairs.repairNow(PEOPLE);

        assertThat(other[0]).isEqualTo(new RepairReport(PEOPLE, 2, 0, 1, 1));
        assertThat(mine).isEqualTo(new RepairReport(PEOPLE, 1, 0, 2, 0));
        assertThat(repairs.recent(PEOPLE, 10)).allSatisfy(record -> {
            assertThat(record.repaired()).isTrue();
            assertThat(record.attempts()).isEqualTo(1);
        });
        assertThat(verify().isClean()).isTrue();
    }

    /** A process that died while repairing holds its lease until it expires; then any process takes the record. */
    @Test
    void theRecordOfAProcessThatDiedIsTakenOverWhenItsLeaseExpires() throws Exception {
        create("p1", "before@x");
        block(main, "people_v2", "email", "taken@x");
        Person acknowledged = update("p1", "taken@x", 41);
        unblock(main, "people_v2", "taken@x");
        collection(main, "dualwrite_repairs").updateOne(Filters.eq("entityId", "p1"), Updates.combine(
                Updates.set("leaseOwner", "dead-process"),
                Updates.set("leaseUntil", Date.from(clock.instant().plus(Duration.ofSeconds(30))))));

        assertThat(repairs.repairNow(PEOPLE)).isEqualTo(new RepairReport(PEOPLE, 0, 0, 1, 1));
        clock.advance(Duration.ofSeconds(30));
        assertThat(repairs.repairNow(PEOPLE)).isEqualTo(new RepairReport(PEOPLE, 1, 0, 0, 0));

        assertNewHolds(acknowledged);
    }

    // ------------------------------------------------------------------ API errors

    @Test
    void anUndeclaredMigrationIsRefusedNamingTheDeclaredOnes() {
        for (Runnable call : List.<Runnable>of(() -> repairs.unrepaired("nope"), () -> repairs.repairNow("nope"),
                () -> repairs.recent("nope", 10), () -> repairs.pending("nope", 10))) {
            assertThatIllegalArgumentException().isThrownBy(call::run)
                    .withMessage("No migration 'nope' is declared; declared migrations: people-v2, members-v2");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> repairs.recent(PEOPLE, 0))
                .withMessage("limit must be between 1 and 1000, got 0");
    }

    // ------------------------------------------------------------------ helpers

    static <T extends io.dualwrite.fixtures.PersonFields> T withId(T entity, String id) {
        entity.setId(id);
        return entity;
    }

    private static void record(String migration, String entityId, String shape, long version) {
        collection(main, "dualwrite_repairs").insertOne(new Document("migration", migration)
                .append("entityId", entityId).append("shape", shape).append("version", version)
                .append("kind", "ERROR").append("message", "lost").append("at", Date.from(clock.instant()))
                .append("repaired", false));
    }

    private static PersonRepository people() {
        return main.getBean(PersonRepository.class);
    }

    private static Person create(String id, String email) {
        return people().save(withId(Person.of("F-" + id, "L-" + id, email, 30, "555-" + id), id));
    }

    private static Person update(String id, String email, int age) {
        Person person = people().findById(id).orElseThrow();
        person.setEmail(email);
        person.setAge(age);
        return people().save(person);
    }

    private static JobRun verify() throws InterruptedException {
        return verify(PEOPLE);
    }

    private static JobRun verify(String migration) throws InterruptedException {
        return main.getBean(Verifier.class).run(migration, JobOptions.defaults().withPartitions(1));
    }

    private static Document rawOld(String id) {
        return collection(main, "people_v1").find(Filters.eq("_id", id)).first();
    }

    private static Document rawNew(String id) {
        return collection(main, "people_v2").find(Filters.eq("_id", id)).first();
    }

    /** The new shape holds exactly this acknowledged write: its version and its content. */
    static void assertNewHolds(ConfigurableApplicationContext context, Person expected) {
        Document stored = collection(context, "people_v2").find(Filters.eq("_id", expected.getId())).first();
        assertThat(stored).as("new shape of %s", expected.getId()).isNotNull();
        assertThat(Bookkeeping.isTombstone(stored)).as("%s is live in the new shape", expected.getId()).isFalse();
        Person fromNew = NEW_MAPPING.fromDocument(stored);
        fromNew.setId(expected.getId());
        assertThat(fromNew.sameContent(expected)).as("%s holds %s", stored, expected).isTrue();
        assertThat(Bookkeeping.version(stored, "version")).as("version of %s", expected.getId())
                .isEqualTo(expected.getVersion());
    }

    private static void assertNewHolds(Person expected) {
        assertNewHolds(main, expected);
    }

    /** No live document in either shape, and no phase reads it. */
    private static void assertDeletedEverywhere(String id) {
        Document old = rawOld(id);
        assertThat(old == null || Bookkeeping.isTombstone(old)).as("old shape of %s: %s", id, old).isTrue();
        Document current = rawNew(id);
        assertThat(current == null || Bookkeeping.isTombstone(current)).as("new shape of %s: %s", id, current)
                .isTrue();
        for (Phase phase : Phase.values()) {
            phase(second, phase);
            assertThat(second.getBean(PersonRepository.class).findById(id)).as("%s read in %s", id, phase).isEmpty();
        }
        phase(second, Phase.READ_OLD_WRITE_BOTH);
    }
}
