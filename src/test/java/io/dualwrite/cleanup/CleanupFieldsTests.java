package io.dualwrite.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.data.mongodb.core.convert.MongoConverter;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;
import org.togglz.core.manager.FeatureManager;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.spi.DocumentMapping;
import io.dualwrite.spi.SecondWriteFailureHandler;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.PhaseToggleStates;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.ValidatingStateRepository;

/**
 * Which fields a same-collection cleanup removes, on migrations declared here: fields found from the shapes'
 * mappings when undeclared, a Spring Data new shape's properties, and fields the new shape also uses (or holds inside
 * them) kept.
 */
class CleanupFieldsTests {

    /** Old: the fixture's old mapping, nothing declared; new: Member as Spring Data maps it (firstName, ..., phone). */
    private static final Migration<Member> SPRING_DATA_NEW = Migration.builder("members-sd", Member.class)
            .oldShape(ShapeDeclaration.mapped("members_sd", new OldPersonMapping<>(Member::new)))
            .newShape(ShapeDeclaration.springData("members_sd"))
            .build();

    /** Old: first_name, legacy_age and contact.phone; new: the fixture's new mapping, which nests contact.phone too. */
    private static final Migration<Person> NESTED = Migration.builder("people-nested", Person.class)
            .oldShape(ShapeDeclaration.mapped("people_nested", new NestedOldMapping()).field("phone", "contact.phone"))
            .newShape(ShapeDeclaration.mapped("people_nested", new NewPersonMapping<>(Person::new)))
            .build();

    private static final MigrationRegistry REGISTRY = new MigrationRegistry(List.of(SPRING_DATA_NEW, NESTED));

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext context;

    private static MongoDatabase database;

    private static PhasedStores stores;

    private static final SettablePhaseSource phases = new SettablePhaseSource();

    @BeforeAll
    static void start() {
        context = CleanupScenario.start("cleanup_fields_tests", clock);
        database = Fixtures.database(context);
        stores = new PhasedStores(REGISTRY, context.getBean(MongoDatabaseFactory.class),
                context.getBean(MongoConverter.class), phases, context.getBean(SecondWriteFailureHandler.class),
                clock);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void seed() {
        Fixtures.clear(context);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
        @SuppressWarnings("unchecked")
        PhasedStore<Member> members = (PhasedStore<Member>) stores.forMigration("members-sd");
        @SuppressWarnings("unchecked")
        PhasedStore<Person> people = (PhasedStore<Person>) stores.forMigration("people-nested");
        for (int i = 1; i <= 5; i++) {
            Member member = Member.of("First" + i, "Last" + i, "m" + i + "@example.com", 30 + i, "555-" + i);
            member.setId("m" + i);
            members.save(member);
            Person person = Person.of("First" + i, "Last" + i, "p" + i + "@example.com", 30 + i, "555-" + i);
            person.setId("p" + i);
            people.save(person);
        }
    }

    private Cleanup cleanup() {
        ValidatingStateRepository states = context.getBean(ValidatingStateRepository.class);
        PhaseToggles toggles = new PhaseToggles(REGISTRY, context.getBeanProvider(FeatureManager.class),
                states.delegate());
        InstanceRegistry instances = new InstanceRegistry(database.getCollection("dualwrite_instances"), clock,
                CleanupScenario.TTL);
        return new Cleanup(REGISTRY, stores, database,
                (MongoMappingContext) context.getBean(MongoConverter.class).getMappingContext(), toggles, instances,
                new CleanupHistory(REGISTRY, database.getCollection("dualwrite_cleanups")), clock);
    }

    private void allInReadNewWriteNew() {
        ValidatingStateRepository states = context.getBean(ValidatingStateRepository.class);
        for (String id : REGISTRY.ids()) {
            states.delegate().setFeatureState(PhaseToggleStates.stateFor(id, Phase.READ_NEW_WRITE_NEW));
        }
        SettablePhaseSource reported = new SettablePhaseSource();
        reported.setAll(Phase.READ_NEW_WRITE_NEW);
        new InstanceRegistry(database.getCollection("dualwrite_instances"), clock, CleanupScenario.TTL,
                new LocalInstance("web-1", "host-1", "1.0", clock.instant(), REGISTRY, reported)).heartbeat();
        phases.setAll(Phase.READ_NEW_WRITE_NEW);
    }

    @Test
    void aSpringDataNewShapeKeepsTheOldFieldsItsPropertiesUseAndUndeclaredOldFieldsAreFoundFromTheMapping() {
        CleanupPlan plan = cleanup().plan("members-sd");

        assertThat(plan.fields()).extracting(CleanupPlan.Field::name)
                .containsExactly("age_text", "first_name", "last_name", "mail");
        assertThat(plan.keptFields()).containsExactly(new CleanupPlan.KeptField("phone", "the new shape uses it too"));
    }

    @Test
    void aFieldTheNewShapeWritesForSomeDocumentsOnlyIsKept() {
        Fixtures.clear(context);
        @SuppressWarnings("unchecked")
        PhasedStore<Person> people = (PhasedStore<Person>) stores.forMigration("people-nested");
        for (int i = 1; i <= 5; i++) {
            Person person = Person.of("First" + i, "Last" + i, null, 30 + i, i == 5 ? "555-5" : null);
            person.setId("p" + i);
            people.save(person);
        }
        allInReadNewWriteNew();
        Cleanup cleanup = cleanup();

        CleanupPlan plan = cleanup.plan("people-nested");

        assertThat(plan.fields()).extracting(CleanupPlan.Field::name).containsExactly("first_name", "legacy_age");
        assertThat(plan.keptFields()).extracting(CleanupPlan.KeptField::name)
                .containsExactly("contact", "contact.phone");
        cleanup.execute("people-nested", plan.token(), "ops");
        assertThat(stores.forMigration("people-nested").findById("p5")).get()
                .satisfies(person -> assertThat(((Person) person).getPhone()).isEqualTo("555-5"));
    }

    @Test
    void fieldsOfDocumentsWrittenInReadNewWriteNewAreNewShapeFields() {
        allInReadNewWriteNew();
        database.getCollection("members_sd").insertOne(new Document("_id", "m9").append("version", 1L)
                .append("_dwShapes", List.of("new")).append("firstName", "Nine").append("mail", "kept@example.com"));

        CleanupPlan plan = cleanup().plan("members-sd");

        assertThat(plan.fields()).extracting(CleanupPlan.Field::name)
                .containsExactly("age_text", "first_name", "last_name");
        assertThat(plan.keptFields()).extracting(CleanupPlan.KeptField::name).containsExactly("mail", "phone");
    }

    @Test
    void aFieldTheNewShapeUsesOrNestsIntoIsKeptAndTheRestRemoved() {
        allInReadNewWriteNew();
        Cleanup cleanup = cleanup();
        CleanupPlan plan = cleanup.plan("people-nested");

        assertThat(plan.fields()).containsExactly(new CleanupPlan.Field("first_name", 5),
                new CleanupPlan.Field("legacy_age", 5));
        assertThat(plan.keptFields()).containsExactly(
                new CleanupPlan.KeptField("contact", "the new shape uses it too"),
                new CleanupPlan.KeptField("contact.phone", "the new shape uses 'contact'"));
        assertThat(plan.allowed()).isTrue();

        cleanup.execute("people-nested", plan.token(), "ops");

        Document stored = database.getCollection("people_nested").find(Filters.eq("_id", "p3")).first();
        assertThat(stored).doesNotContainKeys("first_name", "legacy_age");
        assertThat(stored.get("contact", Document.class).getString("phone")).isEqualTo("555-3");
        assertThat(stored.getString("firstName")).isEqualTo("First3");
        assertThat(stores.forMigration("people-nested").findById("p3")).get()
                .satisfies(person -> assertThat(((Person) person).getPhone()).isEqualTo("555-3"));
    }

    /** Writes first_name, contact.phone and the age as legacy_age. */
    static final class NestedOldMapping implements DocumentMapping<Person> {

        @Override
        public Document toDocument(Person person) {
            return new Document("first_name", person.getFirstName()).append("legacy_age", person.getAge())
                    .append("contact", new Document("phone", person.getPhone()));
        }

        @Override
        public Person fromDocument(Document document) {
            Person person = new Person();
            person.setFirstName(document.getString("first_name"));
            person.setAge(document.getInteger("legacy_age"));
            Document contact = document.get("contact", Document.class);
            person.setPhone(contact == null ? null : contact.getString("phone"));
            return person;
        }
    }
}
