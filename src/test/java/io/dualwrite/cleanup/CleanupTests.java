package io.dualwrite.cleanup;

import static io.dualwrite.cleanup.CleanupScenario.instance;
import static io.dualwrite.cleanup.CleanupScenario.seedBothShapes;
import static io.dualwrite.cleanup.CleanupScenario.sharedPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.core.convert.MongoConverter;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.PhaseToggles;

/**
 * Cleanup on both fixture migrations: the dry run lists exactly what execution removes; execution is refused, and
 * removes nothing, unless the shared phase and every live instance are in {@code READ_NEW_WRITE_NEW} and the token
 * still matches; the repositories keep working in {@code READ_NEW_WRITE_NEW} afterwards; running it again is harmless.
 * Instances are simulated registries on a clock the tests move.
 */
class CleanupTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final String MEMBERS = TestMigrations.MEMBERS;

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext context;

    private static MongoDatabase database;

    private static Cleanup cleanup;

    @BeforeAll
    static void start() {
        context = CleanupScenario.start("cleanup_tests", clock);
        database = Fixtures.database(context);
        cleanup = context.getBean(Cleanup.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        seedBothShapes(context, 12);
    }

    /** Both migrations in READ_NEW_WRITE_NEW, shared and on one live instance. */
    private InstanceRegistry allInReadNewWriteNew() {
        sharedPhase(context, PEOPLE, Phase.READ_NEW_WRITE_NEW);
        sharedPhase(context, MEMBERS, Phase.READ_NEW_WRITE_NEW);
        InstanceRegistry web1 = instance(context, clock, "web-1", Phase.READ_NEW_WRITE_NEW);
        web1.heartbeat();
        return web1;
    }

    @Test
    void twoCollectionsTheDryRunListsTheOldCollectionAndExecuteDropsExactlyIt() {
        allInReadNewWriteNew();
        database.getCollection("people_v1").createIndex(Indexes.ascending("mail"));
        Set<String> collectionsBefore = collectionNames();
        List<Document> newShapeBefore = all("people_v2");

        CleanupPlan plan = cleanup.plan(PEOPLE);

        assertThat(plan.kind()).isEqualTo(CleanupPlan.Kind.DROP_COLLECTION);
        assertThat(plan.collection()).isEqualTo("people_v1");
        assertThat(plan.collectionExists()).isTrue();
        assertThat(plan.documents()).isEqualTo(12);
        assertThat(plan.indexes()).extracting(CleanupPlan.Index::name).containsExactly("_id_", "mail_1");
        assertThat(plan.indexes().get(1).keys()).isEqualTo(Map.of("mail", 1));
        assertThat(plan.fields()).isEmpty();
        assertThat(plan.sharedPhase()).isEqualTo(Phase.READ_NEW_WRITE_NEW);
        assertThat(plan.instances())
                .isEqualTo("The one live instance is in READ_NEW_WRITE_NEW for migration 'people-v2'.");
        assertThat(plan.blockers()).isEmpty();
        assertThat(plan.allowed()).isTrue();
        assertThat(plan.summary()).isEqualTo("Drop collection 'people_v1' (12 documents, 2 indexes)");
        assertThat(plan.token()).hasSize(16);
        assertThat(collectionNames()).as("a dry run changes nothing").isEqualTo(collectionsBefore);
        assertThat(cleanup.isCleanedUp(PEOPLE)).isFalse();

        CleanupResult result = cleanup.execute(PEOPLE, plan.token(), "ops");

        Set<String> dropped = new TreeSet<>(collectionsBefore);
        dropped.removeAll(collectionNames());
        assertThat(dropped).containsExactly("people_v1");
        assertThat(all("people_v2")).as("the new shape is untouched").isEqualTo(newShapeBefore);
        assertThat(result.summary()).isEqualTo("Dropped collection 'people_v1' with 12 documents and 2 indexes");
        assertThat(result.documentsMatched()).isEqualTo(12);
        CleanupRecord record = cleanup.lastCleanup(PEOPLE).orElseThrow();
        assertThat(record).isEqualTo(result.record());
        assertThat(record.by()).isEqualTo("ops");
        assertThat(record.at()).isEqualTo(clock.instant());
        assertThat(record.kind()).isEqualTo(CleanupPlan.Kind.DROP_COLLECTION);
        assertThat(record.collection()).isEqualTo("people_v1");
        assertThat(record.indexes()).containsExactly("_id_", "mail_1");
        assertThat(record.documents()).isEqualTo(12);
        assertThat(record.token()).isEqualTo(plan.token());
        assertThat(cleanup.isCleanedUp(PEOPLE)).isTrue();
        assertThat(cleanup.isCleanedUp(MEMBERS)).isFalse();
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isEqualTo(1);
    }

    @Test
    void twoCollectionsTheRepositoryKeepsWorkingInReadNewWriteNewAfterCleanup() {
        allInReadNewWriteNew();
        cleanup.execute(PEOPLE, cleanup.plan(PEOPLE).token(), "ops");
        PersonRepository people = context.getBean(PersonRepository.class);

        assertThat(people.count()).isEqualTo(12);
        Person five = people.findById("p005").orElseThrow();
        assertThat(five.getFirstName()).isEqualTo("First5");
        assertThat(five.getPhone()).isEqualTo("555-5");
        five.setLastName("Renamed");
        people.save(five);
        assertThat(people.findByLastNameOrderByFirstName("Renamed")).extracting(Person::getId).containsExactly("p005");
        Person created = Person.of("New", "Person", "new@example.com", 40, "555-0");
        created.setId("p100");
        people.save(created);
        assertThat(people.findByEmail("new@example.com")).isPresent();
        people.deleteById("p001");
        assertThat(people.existsById("p001")).isFalse();
        assertThat(people.count()).isEqualTo(12);
        assertThat(collectionNames()).as("nothing writes the old collection again").doesNotContain("people_v1");
    }

    @Test
    void oneCollectionTheDryRunListsTheOldFieldsAndExecuteRemovesExactlyThem() {
        allInReadNewWriteNew();
        MongoCollection<Document> members = database.getCollection("members");
        members.createIndex(Indexes.ascending("mail"));
        members.createIndex(Indexes.compoundIndex(Indexes.ascending("last_name"), Indexes.ascending("first_name")));
        members.createIndex(Indexes.ascending("email"));
        members.createIndex(Indexes.compoundIndex(Indexes.ascending("last_name"), Indexes.ascending("lastName")));
        List<Document> before = all("members");

        CleanupPlan plan = cleanup.plan(MEMBERS);

        assertThat(plan.kind()).isEqualTo(CleanupPlan.Kind.UNSET_FIELDS);
        assertThat(plan.collection()).isEqualTo("members");
        assertThat(plan.fields()).containsExactly(new CleanupPlan.Field("age_text", 12),
                new CleanupPlan.Field("first_name", 12), new CleanupPlan.Field("last_name", 12),
                new CleanupPlan.Field("mail", 9), new CleanupPlan.Field("phone", 8));
        assertThat(plan.keptFields()).isEmpty();
        assertThat(plan.documents()).isEqualTo(12);
        assertThat(plan.oldOnlyDocuments()).isZero();
        assertThat(plan.indexes()).extracting(CleanupPlan.Index::name)
                .containsExactly("last_name_1_first_name_1", "mail_1");
        assertThat(plan.bookkeeping()).anySatisfy(line -> assertThat(line).startsWith("_dwShapes becomes [\"new\"]"))
                .anySatisfy(line -> assertThat(line).contains("'version', the version field, is shared"));
        assertThat(plan.allowed()).isTrue();
        assertThat(all("members")).as("a dry run changes nothing").isEqualTo(before);

        CleanupResult result = cleanup.execute(MEMBERS, plan.token(), "ops");

        assertThat(result.documentsModified()).isEqualTo(12);
        assertThat(result.fields()).containsExactly("age_text", "first_name", "last_name", "mail", "phone");
        assertThat(result.summary()).isEqualTo("Removed age_text, first_name, last_name, mail, phone from 12 "
                + "documents of collection 'members' (12 matched); dropped indexes last_name_1_first_name_1, mail_1");
        Map<Object, Document> after = byId(all("members"));
        Set<String> removedKeys = new TreeSet<>();
        for (Document old : before) {
            Document now = after.get(old.get("_id"));
            Set<String> gone = new HashSet<>(old.keySet());
            gone.removeAll(now.keySet());
            removedKeys.addAll(gone);
            assertThat(now.keySet()).as("nothing added").isSubsetOf(old.keySet());
            for (String key : now.keySet()) {
                if (!key.equals("_dwShapes")) {
                    assertThat(now.get(key)).as("%s of %s unchanged", key, old.get("_id")).isEqualTo(old.get(key));
                }
            }
            assertThat(now.getList("_dwShapes", String.class)).containsExactly("new");
        }
        assertThat(removedKeys).as("exactly the listed fields").containsExactlyElementsOf(
                plan.fields().stream().map(CleanupPlan.Field::name).toList());
        List<String> indexes = new ArrayList<>();
        members.listIndexes().forEach(index -> indexes.add(index.getString("name")));
        assertThat(indexes).containsExactlyInAnyOrder("_id_", "email_1", "last_name_1_lastName_1");
        assertThat(cleanup.lastCleanup(MEMBERS).orElseThrow().fields())
                .containsExactly("age_text", "first_name", "last_name", "mail", "phone");
        assertThat(cleanup.isCleanedUp(MEMBERS)).isTrue();
    }

    @Test
    void oneCollectionTheRepositoryKeepsWorkingInReadNewWriteNewWithTheNewFieldsIntact() {
        allInReadNewWriteNew();
        cleanup.execute(MEMBERS, cleanup.plan(MEMBERS).token(), "ops");
        MemberRepository members = context.getBean(MemberRepository.class);

        assertThat(members.count()).isEqualTo(12);
        for (int i = 1; i <= 12; i++) {
            Member member = members.findById(String.format("m%03d", i)).orElseThrow();
            assertThat(member.sameContent(expectedMember(i))).as(member.toString()).isTrue();
        }
        assertThat(members.findByPhone("555-4")).extracting(Member::getId).containsExactly("m004");
        assertThat(members.findByEmail("user5@example.com")).isPresent();
        Member five = members.findById("m005").orElseThrow();
        long version = five.getVersion();
        five.setAge(99);
        assertThat(members.save(five).getVersion()).isGreaterThan(version);
        assertThat(members.findById("m005").orElseThrow().getAge()).isEqualTo(99);
        Member created = Member.of("New", "Member", "new@example.com", 40, "555-0");
        created.setId("m100");
        members.save(created);
        members.deleteById("m001");
        assertThat(members.count()).isEqualTo(12);
        assertThat(database.getCollection("members").countDocuments(Filters.exists("first_name")))
                .as("writes in READ_NEW_WRITE_NEW write no old field").isZero();
    }

    @Test
    void refusedAndNothingRemovedWhileTheSharedPhaseIsNotReadNewWriteNew() {
        allInReadNewWriteNew();
        String peopleToken = cleanup.plan(PEOPLE).token();
        String membersToken = cleanup.plan(MEMBERS).token();
        sharedPhase(context, PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        sharedPhase(context, MEMBERS, Phase.READ_NEW_WRITE_BOTH);
        List<Document> members = all("members");

        CleanupPlan plan = cleanup.plan(PEOPLE);
        assertThat(plan.allowed()).isFalse();
        assertThat(plan.token()).as("what would be removed is the same").isEqualTo(peopleToken);
        assertThat(plan.blockers()).containsExactly("The shared phase of migration 'people-v2' is READ_NEW_WRITE_BOTH; "
                + "the old shape may be removed only in READ_NEW_WRITE_NEW: switch to it (runbook step 5), wait until "
                + "every instance reports it, then run the dry run again.");

        assertThatThrownBy(() -> cleanup.execute(PEOPLE, peopleToken, "ops"))
                .isInstanceOf(CleanupRefusedException.class)
                .hasMessageStartingWith("Cleanup of migration 'people-v2' refused, nothing was removed: The shared "
                        + "phase of migration 'people-v2' is READ_NEW_WRITE_BOTH");
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, membersToken, "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThat(collectionNames()).contains("people_v1");
        assertThat(database.getCollection("people_v1").countDocuments()).isEqualTo(12);
        assertThat(all("members")).isEqualTo(members);
        assertThat(cleanup.isCleanedUp(PEOPLE)).isFalse();
        assertThat(cleanup.isCleanedUp(MEMBERS)).isFalse();
    }

    @Test
    void refusedWhileALiveInstanceLagsAndAllowedOnceItsLastHeartbeatExpires() {
        InstanceRegistry web1 = allInReadNewWriteNew();
        InstanceRegistry web2 = instance(context, clock, "web-2", Phase.READ_NEW_WRITE_BOTH);
        web2.heartbeat();
        List<Document> members = all("members");

        CleanupPlan refused = cleanup.plan(MEMBERS);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.blockers()).singleElement().asString()
                .startsWith("1 of 2 live instances is not in READ_NEW_WRITE_NEW for migration 'members-v2': web-2 "
                        + "(host host-web-2) at READ_NEW_WRITE_BOTH.")
                .contains("dualwrite.instances.ttl (30 s)");
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, refused.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class)
                .hasMessageContaining("web-2 (host host-web-2) at READ_NEW_WRITE_BOTH");
        assertThat(all("members")).isEqualTo(members);

        clock.advance(Duration.ofSeconds(20));
        web1.heartbeat();
        assertThat(cleanup.plan(MEMBERS).allowed()).as("web-2 is still live").isFalse();

        clock.advance(Duration.ofSeconds(11));
        web1.heartbeat();
        CleanupPlan allowed = cleanup.plan(MEMBERS);
        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.instances()).isEqualTo("The one live instance is in READ_NEW_WRITE_NEW for migration "
                + "'members-v2'.");
        assertThat(allowed.token()).isEqualTo(refused.token());

        CleanupResult result = cleanup.execute(MEMBERS, refused.token(), "ops");
        assertThat(result.documentsModified()).isEqualTo(12);
    }

    @Test
    void refusedWithoutAnyLiveInstance() {
        sharedPhase(context, PEOPLE, Phase.READ_NEW_WRITE_NEW);
        instance(context, clock, "web-1", Phase.READ_NEW_WRITE_NEW).heartbeat();
        clock.advance(Duration.ofSeconds(31));

        CleanupPlan plan = cleanup.plan(PEOPLE);

        assertThat(plan.blockers()).singleElement().asString()
                .startsWith("No live instance registered (no heartbeat within the ttl)")
                .contains("Start an instance of the service");
        assertThatThrownBy(() -> cleanup.execute(PEOPLE, plan.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThat(collectionNames()).contains("people_v1");
    }

    @Test
    void refusedWhenTheInstanceRegistryIsDisabled() {
        allInReadNewWriteNew();
        Cleanup withoutRegistry = new Cleanup(context.getBean(MigrationRegistry.class),
                context.getBean(PhasedStores.class), database,
                (MongoMappingContext) context.getBean(MongoConverter.class).getMappingContext(),
                context.getBean(PhaseToggles.class), null, context.getBean(CleanupHistory.class), clock);

        CleanupPlan plan = withoutRegistry.plan(PEOPLE);

        assertThat(plan.instances()).isEqualTo("unknown: the instance registry is disabled");
        assertThat(plan.blockers()).singleElement().asString()
                .startsWith("The instance registry is disabled (no InstanceRegistry bean)");
        assertThatThrownBy(() -> withoutRegistry.execute(PEOPLE, plan.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class)
                .hasMessageContaining("The instance registry is disabled");
        assertThat(collectionNames()).contains("people_v1");
    }

    @Test
    void aStaleTokenIsRefusedAndNothingRemoved() {
        allInReadNewWriteNew();
        CleanupPlan people = cleanup.plan(PEOPLE);
        CleanupPlan members = cleanup.plan(MEMBERS);

        database.getCollection("people_v1").insertOne(new Document("_id", "p999").append("first_name", "Late"));
        database.getCollection("members").createIndex(Indexes.ascending("age_text"));

        assertThatThrownBy(() -> cleanup.execute(PEOPLE, people.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class)
                .hasMessageContaining("does not match what a dry run finds now")
                .hasMessageContaining("Run the dry run again");
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, members.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, people.token(), "ops"))
                .as("another migration's token").isInstanceOf(CleanupRefusedException.class);
        assertThatThrownBy(() -> cleanup.execute(PEOPLE, "0123456789abcdef", "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThat(database.getCollection("people_v1").countDocuments()).isEqualTo(13);
        assertThat(database.getCollection("members").countDocuments(Filters.exists("first_name"))).isEqualTo(12);
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isZero();

        CleanupPlan again = cleanup.plan(PEOPLE);
        assertThat(again.documents()).isEqualTo(13);
        cleanup.execute(PEOPLE, again.token(), "ops");
        assertThat(collectionNames()).doesNotContain("people_v1");
    }

    @Test
    void documentsHoldingOnlyTheOldShapeBlockAOneCollectionCleanup() {
        allInReadNewWriteNew();
        database.getCollection("members").insertOne(new Document("_id", "legacy").append("first_name", "Old")
                .append("last_name", "Timer").append("age_text", "70"));

        CleanupPlan plan = cleanup.plan(MEMBERS);

        assertThat(plan.oldOnlyDocuments()).isEqualTo(1);
        assertThat(plan.documents()).as("documents holding only the old shape are never touched").isEqualTo(12);
        assertThat(plan.blockers()).singleElement().asString().startsWith("1 document of collection 'members' holds "
                + "only the old shape");
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, plan.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThat(database.getCollection("members").countDocuments(Filters.exists("first_name"))).isEqualTo(13);
    }

    @Test
    void aDocumentAMappingCannotReadBlocksAOneCollectionCleanup() {
        allInReadNewWriteNew();
        database.getCollection("members").updateOne(Filters.eq("_id", "m007"),
                new Document("$set", new Document("age_text", "seven")));

        CleanupPlan plan = cleanup.plan(MEMBERS);

        assertThat(plan.blockers()).singleElement().asString().isEqualTo("1 document of collection 'members' cannot "
                + "be read by the old shape's mapping (first: _id=m007), so which of their fields belong to which "
                + "shape cannot be told. Fix or remove them, then run the dry run again.");
        assertThatThrownBy(() -> cleanup.execute(MEMBERS, plan.token(), "ops"))
                .isInstanceOf(CleanupRefusedException.class);
        assertThat(database.getCollection("members").countDocuments(Filters.exists("first_name"))).isEqualTo(12);
    }

    @Test
    void runningItAgainRemovesNothingMoreAndIsRecordedAgain() {
        allInReadNewWriteNew();
        cleanup.execute(PEOPLE, cleanup.plan(PEOPLE).token(), "ops");
        cleanup.execute(MEMBERS, cleanup.plan(MEMBERS).token(), "ops");
        List<Document> members = all("members");
        List<Document> people = all("people_v2");

        CleanupPlan peopleAgain = cleanup.plan(PEOPLE);
        assertThat(peopleAgain.collectionExists()).isFalse();
        assertThat(peopleAgain.nothingToRemove()).isTrue();
        assertThat(peopleAgain.summary()).isEqualTo("Collection 'people_v1' does not exist (already dropped): nothing "
                + "to remove");
        CleanupPlan membersAgain = cleanup.plan(MEMBERS);
        assertThat(membersAgain.nothingToRemove()).isTrue();
        assertThat(membersAgain.fields()).extracting(CleanupPlan.Field::documents).containsOnly(0L);

        CleanupResult peopleResult = cleanup.execute(PEOPLE, peopleAgain.token(), "ops2");
        CleanupResult membersResult = cleanup.execute(MEMBERS, membersAgain.token(), "ops2");

        assertThat(peopleResult.summary()).isEqualTo("Collection 'people_v1' was already gone; nothing was removed");
        assertThat(membersResult.documentsMatched()).isZero();
        assertThat(membersResult.documentsModified()).isZero();
        assertThat(all("members")).isEqualTo(members);
        assertThat(all("people_v2")).isEqualTo(people);
        assertThat(cleanup.lastCleanup(MEMBERS).orElseThrow().by()).isEqualTo("ops2");
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isEqualTo(4);
    }

    @Test
    void anUnknownMigrationOrAMissingTokenIsBadInput() {
        assertThatIllegalArgumentException().isThrownBy(() -> cleanup.plan("nope"))
                .withMessage("No migration 'nope' is declared; declared migrations: people-v2, members-v2");
        assertThatIllegalArgumentException().isThrownBy(() -> cleanup.execute("nope", "abc", "ops"));
        assertThatIllegalArgumentException().isThrownBy(() -> cleanup.execute(PEOPLE, " ", "ops"))
                .withMessageContaining("run the dry run first");
        assertThatIllegalArgumentException().isThrownBy(() -> cleanup.isCleanedUp("nope"));
    }

    private static Member expectedMember(int i) {
        Member member = Member.of("First" + i, "Last" + i, i % 4 == 0 ? null : "user" + i + "@example.com", 20 + i,
                i % 3 == 0 ? null : "555-" + i);
        member.setId(String.format("m%03d", i));
        return member;
    }

    private static Set<String> collectionNames() {
        Set<String> names = new TreeSet<>();
        database.listCollectionNames().forEach(names::add);
        return names;
    }

    private static List<Document> all(String collection) {
        List<Document> documents = new ArrayList<>();
        database.getCollection(collection).find().sort(new Document("_id", 1)).forEach(documents::add);
        return documents;
    }

    private static Map<Object, Document> byId(List<Document> documents) {
        Map<Object, Document> byId = new HashMap<>();
        documents.forEach(document -> byId.put(document.get("_id"), document));
        return byId;
    }
}
