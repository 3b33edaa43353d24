package io.dualwrite.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Versions;
import io.dualwrite.support.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What a shadow read concludes, driven deterministically: every read sampled, no comparison thread (the test runs the
 * comparisons with {@link ShadowReads#awaitComparisons}), the re-check delay on a {@link MutableClock}. Divergences are
 * made by writing a shape's documents directly, behind the layer's back.
 */
class ShadowReadComparisonTests {

    private static final Duration RECHECK = Duration.ofSeconds(1);

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final String MEMBERS = TestMigrations.MEMBERS;

    private static final MutableClock clock = new MutableClock();

    private static final List<ShadowMismatch> published = new CopyOnWriteArrayList<>();

    private static ConfigurableApplicationContext context;

    private static ShadowReads shadow;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .initializers(c -> {
                    c.getBeanFactory().registerSingleton("testClock", clock);
                    c.getBeanFactory().registerSingleton("failingPublisher", (ShadowMismatchPublisher) mismatch -> {
                        throw new IllegalStateException("a publisher that fails");
                    });
                    c.getBeanFactory().registerSingleton("recordingPublisher", (ShadowMismatchPublisher) published::add);
                })
                .properties(Fixtures.mongoProperties("shadow_comparison"))
                .properties("dualwrite.toggles.poll-in-background=false", "spring.main.banner-mode=off",
                        "spring.thymeleaf.check-template-location=false", "dualwrite.shadow-reads.sample-rate=1",
                        "dualwrite.shadow-reads.threads=0", "dualwrite.shadow-reads.recheck-delay=1s")
                .run();
        shadow = context.getBean(ShadowReads.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        settleAndRecheck();
        for (String collection : List.of("people_v1", "people_v2", "members", "dualwrite_shadow_mismatches")) {
            raw(collection).deleteMany(new Document());
        }
        published.clear();
    }

    // ------------------------------------------------------------------ helpers

    private static PersonRepository people() {
        return context.getBean(PersonRepository.class);
    }

    private static void phase(Phase phase) {
        context.getBean(SettablePhaseSource.class).setAll(phase);
    }

    private static MongoCollection<Document> raw(String collection) {
        return Fixtures.database(context).getCollection(collection);
    }

    private static MongoCollection<Document> shape(Shape shape) {
        return raw(shape == Shape.OLD ? "people_v1" : "people_v2");
    }

    /** Runs the queued comparisons (and the re-checks due). */
    private static void settle() {
        assertThat(shadow.awaitComparisons(Duration.ofSeconds(30))).as("comparisons done").isTrue();
    }

    /** Lets the re-check delay pass and runs the re-checks. */
    private static void settleAndRecheck() {
        settle();
        clock.advance(RECHECK);
        settle();
    }

    private static int next;

    /** A new person saved through the layer, with a plain string id (not an ObjectId's hex form). */
    private static Person saved(String email) {
        Person person = Person.of("Ada", "Lovelace", email, 36, "+44 1");
        person.setId("person-" + (++next));
        return people().save(person);
    }

    private static Member savedMember() {
        Member member = Member.of("Grace", "Hopper", "grace@navy", 85, null);
        member.setId("member-" + (++next));
        return context.getBean(io.dualwrite.fixtures.MemberRepository.class).save(member);
    }

    /** Counter deltas of one migration since {@link #snapshot}. */
    private record Delta(long sampled, long compared, long mismatches, long unsettled, long notYetCopied, long skipped,
            long dropped, long failed) {
    }

    private static ShadowReadStats snapshot(String migration) {
        return shadow.stats(migration);
    }

    private static Delta since(ShadowReadStats before) {
        ShadowReadStats now = shadow.stats(before.migration());
        return new Delta(now.sampled() - before.sampled(), now.compared() - before.compared(),
                now.mismatches() - before.mismatches(), now.unsettled() - before.unsettled(),
                now.notYetCopied() - before.notYetCopied(), now.skipped() - before.skipped(),
                now.dropped() - before.dropped(), now.failed() - before.failed());
    }

    /** Replaces a shape's stored document by a changed copy (behind the layer's back). */
    private static void rewrite(Shape shape, String id, java.util.function.Consumer<Document> change) {
        Document document = shape(shape).find(Filters.eq("_id", id)).first();
        assertThat(document).as(shape + " document of " + id).isNotNull();
        change.accept(document);
        shape(shape).replaceOne(Filters.eq("_id", id), document);
    }

    private static long version(Shape shape, String id) {
        return shape(shape).find(Filters.eq("_id", id)).first().getLong("version");
    }

    // ------------------------------------------------------------------ equal shapes

    @ParameterizedTest
    @EnumSource(value = Phase.class, names = { "READ_OLD_WRITE_BOTH", "READ_NEW_WRITE_BOTH" })
    void aCorrectlyDualWrittenEntityIsComparedAndEqual(Phase phase) {
        phase(phase);
        Person ada = saved("ada@one");
        ada.setEmail("ada@two");
        ada = people().save(ada);
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).get().extracting(Person::getEmail).isEqualTo("ada@two");
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 0, 0, 0, 0, 0, 0));
        assertThat(shadow.pendingRechecks()).isZero();
    }

    @Test
    void aSameCollectionEntityIsComparedWithinItsOneDocument() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Member member = savedMember();
        ShadowReadStats before = snapshot(MEMBERS);

        context.getBean(io.dualwrite.fixtures.MemberRepository.class).findById(member.getId()).orElseThrow();
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aDeletedEntityIsEqualWhenBothShapesHoldItsTombstone() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@gone");
        people().delete(ada);
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).isEmpty();
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 0, 0, 0, 0, 0, 0));
    }

    // ------------------------------------------------------------------ real divergences

    @Test
    void anOtherShapeWrittenBehindTheLayersBackIsCountedAndRecordedWithItsIdAndFields() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        rewrite(Shape.NEW, ada.getId(), d -> d.put("email", "tampered@new"));
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).get().extracting(Person::getEmail)
                .as("the caller gets the shape its phase reads").isEqualTo("ada@one");
        settle();
        assertThat(since(before).mismatches()).as("not counted before the re-check").isZero();
        assertThat(shadow.pendingRechecks()).isEqualTo(1);

        clock.advance(RECHECK);
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 1, 0, 0, 0, 0, 0));
        List<ShadowMismatch> recorded = shadow.recentMismatches(PEOPLE, 10);
        assertThat(recorded).hasSize(1);
        ShadowMismatch mismatch = recorded.get(0);
        assertThat(mismatch.migration()).isEqualTo(PEOPLE);
        assertThat(mismatch.entityId()).isEqualTo(ada.getId());
        assertThat(mismatch.phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(mismatch.readShape()).isEqualTo(Shape.OLD);
        assertThat(mismatch.otherShape()).isEqualTo(Shape.NEW);
        assertThat(mismatch.kind()).isEqualTo(ShadowMismatch.Kind.DIFFERENT);
        assertThat(mismatch.fields()).as("named as in the old shape, the one read").containsExactly("mail");
        assertThat(mismatch.readVersion()).isEqualTo(ada.getVersion());
        assertThat(mismatch.otherVersion()).isEqualTo(ada.getVersion());
        assertThat(mismatch.at()).isEqualTo(clock.instant());
        assertThat(mismatch.instance()).isNotBlank();
        assertThat(mismatch.detail()).contains("1 field(s) differ at version " + ada.getVersion());

        Document stored = raw("dualwrite_shadow_mismatches").find().first();
        assertThat(stored).isNotNull();
        assertThat(stored.getString("migration")).isEqualTo(PEOPLE);
        assertThat(stored.get("entityId")).isEqualTo(ada.getId());
        assertThat(stored.getList("fields", String.class)).containsExactly("mail");
        assertThat(published).as("published to every publisher, even after one failed").hasSize(1);
        assertThat(published.get(0).entityId()).isEqualTo(ada.getId());
    }

    @Test
    void readingNewTheFieldsAreNamedAsInTheNewShape() {
        phase(Phase.READ_NEW_WRITE_BOTH);
        Person ada = saved("ada@one");
        rewrite(Shape.OLD, ada.getId(), d -> d.put("age_text", "37"));
        rewrite(Shape.OLD, ada.getId(), d -> d.put("phone", "+44 2"));
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId()).orElseThrow();
        settleAndRecheck();

        assertThat(since(before).mismatches()).isEqualTo(1);
        ShadowMismatch mismatch = shadow.recentMismatches(PEOPLE, 1).get(0);
        assertThat(mismatch.readShape()).isEqualTo(Shape.NEW);
        assertThat(mismatch.fields()).containsExactly("age", "contact.phone");
    }

    @Test
    void aSameCollectionDivergenceIsFoundInsideTheDocument() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Member grace = savedMember();
        raw("members").updateOne(Filters.eq("_id", grace.getId()), Updates.set("lastName", "Murray"));
        ShadowReadStats before = snapshot(MEMBERS);

        context.getBean(io.dualwrite.fixtures.MemberRepository.class).findById(grace.getId()).orElseThrow();
        settleAndRecheck();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 1, 0, 0, 0, 0, 0));
        assertThat(shadow.recentMismatches(MEMBERS, 5)).singleElement().satisfies(m -> {
            assertThat(m.entityId()).isEqualTo(grace.getId());
            assertThat(m.fields()).containsExactly("last_name");
        });
    }

    @Test
    void aTombstoneInTheOtherShapeUnderALiveEntityIsMissingInOther() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        long next = Versions.next(ada.getVersion());
        shape(Shape.NEW).replaceOne(Filters.eq("_id", ada.getId()), new Document("_id", ada.getId())
                .append("version", next).append("_dwDeleted", true));
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).isPresent();
        settleAndRecheck();

        assertThat(since(before).mismatches()).isEqualTo(1);
        assertThat(shadow.recentMismatches(PEOPLE, 1).get(0).kind()).isEqualTo(ShadowMismatch.Kind.MISSING_IN_OTHER);
    }

    @Test
    void aDeletedEntityAliveInTheOtherShapeIsOnlyInOther() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        Document live = shape(Shape.NEW).find(Filters.eq("_id", ada.getId())).first();
        people().delete(ada);
        live.put("version", version(Shape.NEW, ada.getId()));
        shape(Shape.NEW).replaceOne(Filters.eq("_id", ada.getId()), live); // resurrected behind the layer's back
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).isEmpty();
        settleAndRecheck();

        assertThat(since(before).mismatches()).isEqualTo(1);
        ShadowMismatch mismatch = shadow.recentMismatches(PEOPLE, 1).get(0);
        assertThat(mismatch.kind()).isEqualTo(ShadowMismatch.Kind.ONLY_IN_OTHER);
        assertThat(mismatch.fields()).isEmpty();
    }

    @Test
    void anOtherShapeDocumentTheMappingCannotReadIsUnreadable() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        rewrite(Shape.NEW, ada.getId(), d -> d.put("age", "thirty-six"));
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId()).orElseThrow();
        settleAndRecheck();

        assertThat(since(before).mismatches()).isEqualTo(1);
        ShadowMismatch mismatch = shadow.recentMismatches(PEOPLE, 1).get(0);
        assertThat(mismatch.kind()).isEqualTo(ShadowMismatch.Kind.UNREADABLE);
        assertThat(mismatch.detail()).contains("cannot be mapped");
    }

    // ------------------------------------------------------------------ writes in flight

    @Test
    void aWriteInFlightBetweenTheTwoShapesIsNotAMismatch() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        long next = Versions.next(ada.getVersion());
        // the first write of a dual write has reached old; the second, to new, is on its way
        rewrite(Shape.OLD, ada.getId(), d -> d.append("mail", "ada@two").append("version", next));
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).get().extracting(Person::getEmail).isEqualTo("ada@two");
        settle();
        assertThat(shadow.pendingRechecks()).as("a difference at two versions waits for the re-check").isEqualTo(1);

        rewrite(Shape.NEW, ada.getId(), d -> d.append("email", "ada@two").append("version", next)); // it lands
        clock.advance(RECHECK);
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 0, 0, 0, 0, 0, 0));
        assertThat(shadow.recentMismatches(PEOPLE, 10)).isEmpty();
    }

    @Test
    void aDeleteInFlightBetweenTheTwoShapesIsNotAMismatch() {
        phase(Phase.READ_NEW_WRITE_BOTH);
        Person ada = saved("ada@one");
        long next = Versions.next(ada.getVersion());
        Document tombstone = new Document("_id", ada.getId()).append("version", next).append("_dwDeleted", true);
        shape(Shape.OLD).replaceOne(Filters.eq("_id", ada.getId()), tombstone); // the delete's claim on old
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById(ada.getId())).as("new still holds it").isPresent();
        settle();
        shape(Shape.NEW).replaceOne(Filters.eq("_id", ada.getId()), tombstone); // the delete reaches new
        clock.advance(RECHECK);
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aSecondWriteThatNeverLandsIsAMismatchAtTheRecheck() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        long next = Versions.next(ada.getVersion());
        rewrite(Shape.OLD, ada.getId(), d -> d.append("mail", "ada@two").append("version", next));
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId()).orElseThrow();
        settleAndRecheck();

        assertThat(since(before)).isEqualTo(new Delta(1, 1, 1, 0, 0, 0, 0, 0));
        ShadowMismatch mismatch = shadow.recentMismatches(PEOPLE, 1).get(0);
        assertThat(mismatch.fields()).containsExactly("mail");
        assertThat(mismatch.readVersion()).isEqualTo(next);
        assertThat(mismatch.otherVersion()).isEqualTo(ada.getVersion());
    }

    @Test
    void writesThatKeepComingUntilTheRecheckAreUnsettledNotMismatches() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        long second = Versions.next(ada.getVersion());
        long third = Versions.next(second);
        rewrite(Shape.OLD, ada.getId(), d -> d.append("mail", "ada@two").append("version", second));
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId()).orElseThrow();
        settle();
        // the second write lands on new, and a third one is half-way (old has it, new not yet)
        rewrite(Shape.NEW, ada.getId(), d -> d.append("email", "ada@two").append("version", second));
        rewrite(Shape.OLD, ada.getId(), d -> d.append("mail", "ada@three").append("version", third));
        clock.advance(RECHECK);
        settle();

        assertThat(since(before)).isEqualTo(new Delta(1, 0, 0, 1, 0, 0, 0, 0));
    }

    // ------------------------------------------------------------------ what is not compared

    @Test
    void anEntityNotCopiedYetIsTheCopiersWorkReadingOldAndAMismatchReadingNew() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        shape(Shape.OLD).insertOne(new Document("_id", "legacy-1").append("first_name", "Old").append("last_name",
                "Timer").append("age_text", "70"));
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findById("legacy-1")).isPresent();
        settleAndRecheck();
        assertThat(since(before)).isEqualTo(new Delta(1, 0, 0, 0, 1, 0, 0, 0));

        phase(Phase.READ_NEW_WRITE_BOTH);
        assertThat(people().findById("legacy-1")).as("reading new, the caller misses it").isEmpty();
        settleAndRecheck();
        assertThat(since(before).mismatches()).isEqualTo(1);
        assertThat(shadow.recentMismatches(PEOPLE, 1).get(0).kind()).isEqualTo(ShadowMismatch.Kind.ONLY_IN_OTHER);
    }

    @Test
    void anEntityTheNewShapeDecidesForIsSkipped() {
        phase(Phase.READ_NEW_WRITE_BOTH);
        Person ada = saved("ada@one");
        rewrite(Shape.NEW, ada.getId(), d -> d.append("_dwNewOnly", true).append("email", "ada@new-only"));
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId()).orElseThrow();
        settleAndRecheck();

        assertThat(since(before)).isEqualTo(new Delta(1, 0, 0, 0, 0, 1, 0, 0));
    }

    @ParameterizedTest
    @EnumSource(value = Phase.class, names = { "OLD_ONLY", "READ_NEW_WRITE_NEW" })
    void readsInSingleShapePhasesAreNeverSampled(Phase phase) {
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        phase(phase);
        ShadowReadStats before = snapshot(PEOPLE);

        people().findById(ada.getId());
        people().findAll();
        people().findByLastNameOrderByFirstName("Lovelace");
        settle();

        assertThat(since(before).sampled()).isZero();
    }

    // ------------------------------------------------------------------ queries

    @Test
    void aSampledQueryComparesEveryEntityItReturned() {
        phase(Phase.READ_OLD_WRITE_BOTH);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Person person = Person.of("P" + i, "Query", "p" + i + "@q", 20 + i, null);
            person.setId("query-" + (++next));
            ids.add(people().save(person).getId());
        }
        rewrite(Shape.NEW, ids.get(3), d -> d.put("firstName", "Changed"));
        ShadowReadStats before = snapshot(PEOPLE);

        assertThat(people().findByLastNameOrderByFirstName("Query")).hasSize(5);
        settleAndRecheck();

        assertThat(since(before)).isEqualTo(new Delta(1, 5, 1, 0, 0, 0, 0, 0));
        ShadowMismatch mismatch = shadow.recentMismatches(PEOPLE, 1).get(0);
        assertThat(mismatch.entityId()).isEqualTo(ids.get(3));
        assertThat(mismatch.fields()).containsExactly("first_name");

        ShadowReadStats beforeAll = snapshot(PEOPLE);
        assertThat(people().findAll()).hasSize(5);
        settleAndRecheck();
        assertThat(since(beforeAll)).isEqualTo(new Delta(1, 5, 1, 0, 0, 0, 0, 0));
    }

    // ------------------------------------------------------------------ metrics

    @Test
    void theCountersAreMicrometerMetersTaggedWithTheMigration() {
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        phase(Phase.READ_OLD_WRITE_BOTH);
        Person ada = saved("ada@one");
        rewrite(Shape.NEW, ada.getId(), d -> d.put("email", "tampered@new"));
        double reads = meters.get("dualwrite.shadow.reads").tag("migration", PEOPLE).functionCounter().count();
        double mismatches = meters.get("dualwrite.shadow.mismatches").tag("migration", PEOPLE).functionCounter()
                .count();

        people().findById(ada.getId());
        settleAndRecheck();

        assertThat(meters.get("dualwrite.shadow.reads").tag("migration", PEOPLE).functionCounter().count())
                .isEqualTo(reads + 1);
        assertThat(meters.get("dualwrite.shadow.mismatches").tag("migration", PEOPLE).functionCounter().count())
                .isEqualTo(mismatches + 1);
        assertThat(meters.get("dualwrite.shadow.dropped").tag("migration", PEOPLE).functionCounter()).isNotNull();
    }
}
