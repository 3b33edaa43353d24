package io.dualwrite.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonFields;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;

/**
 * Every repository operation in each of the four phases, for a two-collection and a same-collection migration,
 * asserting what each shape holds afterwards. Subclasses say which MongoDB runs it.
 */
abstract class PhasedRepositoryContract {

    /** The context under test; one per test class. */
    protected abstract ConfigurableApplicationContext context();

    /** A migration kind under test with raw access to its two shapes. */
    enum Kind {
        TWO_COLLECTIONS(TestMigrations.PEOPLE, "people_v1", "people_v2"),
        SAME_COLLECTION(TestMigrations.MEMBERS, "members", "members");

        final String migration;

        final String oldCollection;

        final String newCollection;

        Kind(String migration, String oldCollection, String newCollection) {
            this.migration = migration;
            this.oldCollection = oldCollection;
            this.newCollection = newCollection;
        }

        boolean sameCollection() {
            return oldCollection.equals(newCollection);
        }
    }

    static Stream<Arguments> kindsAndPhases() {
        return Stream.of(Kind.values())
                .flatMap(kind -> Stream.of(Phase.values()).map(phase -> Arguments.of(kind, phase)));
    }

    private Kind kind;

    /** DESIGN.md's phase table, written out independently of {@link Phase} so the tests check it. */
    private static Shape reads(Phase phase) {
        return switch (phase) {
            case OLD_ONLY, READ_OLD_WRITE_BOTH -> Shape.OLD;
            case READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW -> Shape.NEW;
        };
    }

    private static boolean writes(Phase phase, Shape shape) {
        return switch (phase) {
            case OLD_ONLY -> shape == Shape.OLD;
            case READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH -> true;
            case READ_NEW_WRITE_NEW -> shape == Shape.NEW;
        };
    }

    private static boolean writesBoth(Phase phase) {
        return writes(phase, Shape.OLD) && writes(phase, Shape.NEW);
    }

    private static Shape secondary(Phase phase) {
        return reads(phase) == Shape.OLD ? Shape.NEW : Shape.OLD;
    }

    @BeforeEach
    void clearDatabase() {
        Fixtures.clear(context());
    }

    // ------------------------------------------------------------------ helpers

    private void use(Kind kind, Phase phase) {
        this.kind = kind;
        context().getBean(SettablePhaseSource.class).setAll(phase);
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private PhasedRepository<PersonFields, String> repository() {
        return (PhasedRepository) (kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class)
                : context().getBean(MemberRepository.class));
    }

    private PersonFields person(String first, String last, String email, int age, String phone) {
        return kind == Kind.TWO_COLLECTIONS ? Person.of(first, last, email, age, phone)
                : Member.of(first, last, email, age, phone);
    }

    private Optional<PersonFields> findByEmail(String email) {
        return kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class).findByEmail(email).map(p -> p)
                : context().getBean(MemberRepository.class).findByEmail(email).map(p -> p);
    }

    private List<? extends PersonFields> findByLastNameOrderByFirstName(String lastName) {
        return kind == Kind.TWO_COLLECTIONS
                ? context().getBean(PersonRepository.class).findByLastNameOrderByFirstName(lastName)
                : context().getBean(MemberRepository.class).findByLastNameOrderByFirstName(lastName);
    }

    private long countByLastName(String lastName) {
        return kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class).countByLastName(lastName)
                : context().getBean(MemberRepository.class).countByLastName(lastName);
    }

    private boolean existsByEmail(String email) {
        return kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class).existsByEmail(email)
                : context().getBean(MemberRepository.class).existsByEmail(email);
    }

    private List<? extends PersonFields> findByPhone(String phone) {
        return kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class).findByPhone(phone)
                : context().getBean(MemberRepository.class).findByPhone(phone);
    }

    private Page<? extends PersonFields> findByLastName(String lastName, PageRequest page) {
        return kind == Kind.TWO_COLLECTIONS ? context().getBean(PersonRepository.class).findByLastName(lastName, page)
                : context().getBean(MemberRepository.class).findByLastName(lastName, page);
    }

    private MongoCollection<Document> collection(Shape shape) {
        return Fixtures.database(context()).getCollection(shape == Shape.OLD ? kind.oldCollection : kind.newCollection);
    }

    /** The raw document of a shape, or null when the shape does not hold the id (tombstones are returned). */
    private Document raw(Shape shape, String id) {
        Document document = collection(shape).find(Filters.eq("_id", storedId(id))).first();
        if (document == null || !kind.sameCollection() || Boolean.TRUE.equals(document.get("_dwDeleted"))) {
            return document;
        }
        Object shapes = document.get("_dwShapes");
        boolean holds = shapes == null ? shape == Shape.OLD : ((List<?>) shapes).contains(shape.tag());
        return holds ? document : null;
    }

    private static Object storedId(String id) {
        return org.bson.types.ObjectId.isValid(id) ? new org.bson.types.ObjectId(id) : id;
    }

    private void assertShapesHold(Phase phase, PersonFields expected, long version) {
        Document old = raw(Shape.OLD, expected.getId());
        Document neu = raw(Shape.NEW, expected.getId());
        if (writes(phase, Shape.OLD)) {
            assertThat(old).as("old shape of %s in %s", expected.getId(), phase).isNotNull();
            assertThat(old.getString("first_name")).isEqualTo(expected.getFirstName());
            assertThat(old.getString("last_name")).isEqualTo(expected.getLastName());
            assertThat(old.getString("mail")).isEqualTo(expected.getEmail());
            assertThat(old.getString("age_text")).isEqualTo(Integer.toString(expected.getAge()));
            assertThat(old.getString("phone")).isEqualTo(expected.getPhone());
            assertThat(((Number) old.get("version")).longValue()).isEqualTo(expected.getVersion());
            assertThat(writes(old)).isEqualTo(version);
        }
        else {
            assertThat(old).as("old shape of %s in %s", expected.getId(), phase).isNull();
        }
        if (writes(phase, Shape.NEW)) {
            assertThat(neu).as("new shape of %s in %s", expected.getId(), phase).isNotNull();
            assertThat(neu.getString("firstName")).isEqualTo(expected.getFirstName());
            assertThat(neu.getString("lastName")).isEqualTo(expected.getLastName());
            assertThat(neu.getString("email")).isEqualTo(expected.getEmail());
            assertThat(neu.getInteger("age")).isEqualTo(expected.getAge());
            assertThat(neu.get("contact", Document.class).getString("phone")).isEqualTo(expected.getPhone());
            assertThat(((Number) neu.get("version")).longValue()).isEqualTo(expected.getVersion());
            assertThat(writes(neu)).isEqualTo(version);
        }
        else {
            assertThat(neu).as("new shape of %s in %s", expected.getId(), phase).isNull();
        }
    }

    /** How many writes a stored version counts (its high bits; the low 20 bits tell concurrent writers apart). */
    private static long writes(Document document) {
        return ((Number) document.get("version")).longValue() >>> io.dualwrite.internal.Versions.RANDOM_BITS;
    }

    private static long writes(Long version) {
        return version >>> io.dualwrite.internal.Versions.RANDOM_BITS;
    }

    private static boolean isTombstone(Document document) {
        return document != null && Boolean.TRUE.equals(document.get("_dwDeleted"));
    }

    // ------------------------------------------------------------------ save

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void savesANewEntityAtVersionOneIntoEveryShapeThePhaseWrites(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields saved = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));

        assertThat(saved.getId()).isNotBlank();
        assertThat(writes(saved.getVersion())).isEqualTo(1L);
        assertShapesHold(phase, saved, 1);
        assertThat(repository().findById(saved.getId())).get().matches(found -> found.sameContent(saved));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void updatesIncrementTheVersionInEveryWrittenShape(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields saved = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        PersonFields loaded = repository().findById(saved.getId()).orElseThrow();
        loaded.setEmail("ada@analytical.engine");
        loaded.setAge(37);

        PersonFields updated = repository().save(loaded);

        assertThat(writes(updated.getVersion())).isEqualTo(2L);
        assertShapesHold(phase, updated, 2);
        assertThat(repository().findById(saved.getId())).get().matches(found -> found.sameContent(updated))
                .extracting(PersonFields::getVersion).isEqualTo(updated.getVersion());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void savingAStaleEntityFailsAndChangesNothing(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields saved = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        PersonFields first = repository().findById(saved.getId()).orElseThrow();
        PersonFields second = repository().findById(saved.getId()).orElseThrow();
        first.setAge(40);
        PersonFields winner = repository().save(first);
        second.setAge(50);

        assertThatThrownBy(() -> repository().save(second)).isInstanceOf(OptimisticLockingFailureException.class)
                .hasMessageContaining("at version " + saved.getVersion()).hasMessageContaining("reload");
        assertShapesHold(phase, winner, 2);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void savingANewEntityWithATakenIdFails(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields first = person("Ada", "Lovelace", "ada@example.com", 36, "+44 1");
        first.setId("fixed-id");
        repository().save(first);
        PersonFields duplicate = person("Bob", "Babbage", "bob@example.com", 40, null);
        duplicate.setId("fixed-id");

        assertThatThrownBy(() -> repository().save(duplicate)).isInstanceOf(DuplicateKeyException.class);
        assertShapesHold(phase, first, 1);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void aLegacyDocumentWithoutVersionReadsAsVersionZeroAndCanBeUpdated(Kind kind, Phase phase) {
        use(kind, phase);
        Shape read = reads(phase);
        Document legacy = read == Shape.OLD
                ? new Document("_id", "legacy-1").append("first_name", "Grace").append("last_name", "Hopper")
                        .append("mail", "grace@navy.mil").append("age_text", "85").append("phone", "+1 2")
                : new Document("_id", "legacy-1").append("firstName", "Grace").append("lastName", "Hopper")
                        .append("email", "grace@navy.mil").append("age", 85)
                        .append("contact", new Document("phone", "+1 2"));
        if (kind.sameCollection() && read == Shape.NEW) {
            legacy.append("_dwShapes", List.of("new"));
        }
        collection(read).insertOne(legacy);
        if (!kind.sameCollection() && phase == Phase.READ_NEW_WRITE_BOTH) {
            // what the backfill leaves before reading new: the legacy document copied, neither carrying a version
            collection(Shape.OLD).insertOne(new Document("_id", "legacy-1").append("first_name", "Grace")
                    .append("last_name", "Hopper").append("mail", "grace@navy.mil").append("age_text", "85")
                    .append("phone", "+1 2"));
        }

        PersonFields loaded = repository().findById("legacy-1").orElseThrow();
        assertThat(loaded.getVersion()).isZero();
        assertThat(loaded.getEmail()).isEqualTo("grace@navy.mil");
        loaded.setAge(86);
        PersonFields updated = repository().save(loaded);

        assertThat(writes(updated.getVersion())).isEqualTo(1L);
        assertShapesHold(phase, updated, 1);
    }

    // ------------------------------------------------------------------ reads follow the phase

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void readsComeFromThePhasesReadShapeOnly(Kind kind, Phase phase) {
        use(kind, phase);
        Document old = new Document("_id", "p1").append("first_name", "Old").append("last_name", "Shape")
                .append("mail", "old@example.com").append("age_text", "1").append("version", 3L << io.dualwrite.internal.Versions.RANDOM_BITS);
        Document neu = new Document("_id", "p1").append("firstName", "New").append("lastName", "Shape")
                .append("email", "new@example.com").append("age", 2).append("version", 3L << io.dualwrite.internal.Versions.RANDOM_BITS);
        if (kind.sameCollection()) {
            old.putAll(neu.entrySet().stream().filter(e -> !e.getKey().equals("_id"))
                    .collect(java.util.stream.Collectors.toMap(e -> e.getKey(), e -> e.getValue())));
            old.append("_dwShapes", List.of("old", "new"));
            collection(Shape.OLD).insertOne(old);
        }
        else {
            collection(Shape.OLD).insertOne(old);
            collection(Shape.NEW).insertOne(neu);
        }
        String expectedFirst = reads(phase) == Shape.OLD ? "Old" : "New";
        String expectedEmail = reads(phase) == Shape.OLD ? "old@example.com" : "new@example.com";

        assertThat(repository().findById("p1")).get().extracting(PersonFields::getFirstName).isEqualTo(expectedFirst);
        assertThat(repository().findAll()).extracting(PersonFields::getFirstName).containsExactly(expectedFirst);
        assertThat(findByEmail(expectedEmail)).isPresent();
        assertThat(findByEmail(reads(phase) == Shape.OLD ? "new@example.com" : "old@example.com")).isEmpty();
        assertThat(countByLastName("Shape")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void crudAndPagingReadsWorkInEveryPhase(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields ada = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        PersonFields byron = repository().save(person("Byron", "Lovelace", "byron@example.com", 12, null));
        PersonFields grace = repository().save(person("Grace", "Hopper", "grace@example.com", 85, "+1 2"));

        assertThat(repository().count()).isEqualTo(3);
        assertThat(repository().existsById(ada.getId())).isTrue();
        assertThat(repository().existsById("nope")).isFalse();
        assertThat(repository().findAllById(List.of(ada.getId(), grace.getId(), "nope")))
                .extracting(PersonFields::getFirstName).containsExactlyInAnyOrder("Ada", "Grace");
        assertThat(repository().findAll(Sort.by(Sort.Direction.DESC, "age")))
                .extracting(PersonFields::getFirstName).containsExactly("Grace", "Ada", "Byron");
        Page<PersonFields> page = repository().findAll(PageRequest.of(1, 2, Sort.by("firstName")));
        assertThat(page.getTotalElements()).isEqualTo(3);
        assertThat(page.getContent()).extracting(PersonFields::getFirstName).containsExactly("Grace");
        assertThat(writes(byron.getVersion())).isEqualTo(1L);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void derivedFindersWorkInEveryPhaseOnFieldsNamedDifferentlyInEachShape(Kind kind, Phase phase) {
        use(kind, phase);
        repository().save(person("Charles", "Babbage", "charles@example.com", 79, "+44 9"));
        repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        repository().save(person("Byron", "Lovelace", "byron@example.com", 12, null));
        repository().save(person("Annabella", "Lovelace", "annabella@example.com", 63, "+44 1"));

        assertThat(findByEmail("ada@example.com")).get().extracting(PersonFields::getFirstName).isEqualTo("Ada");
        assertThat(findByEmail("nobody@example.com")).isEmpty();
        assertThat(findByLastNameOrderByFirstName("Lovelace")).extracting(PersonFields::getFirstName)
                .containsExactly("Ada", "Annabella", "Byron");
        assertThat(countByLastName("Lovelace")).isEqualTo(3);
        assertThat(existsByEmail("charles@example.com")).isTrue();
        assertThat(existsByEmail("nobody@example.com")).isFalse();
        assertThat(findByPhone("+44 1")).extracting(PersonFields::getFirstName)
                .containsExactlyInAnyOrder("Ada", "Annabella");
        Page<? extends PersonFields> page = findByLastName("Lovelace", PageRequest.of(0, 2, Sort.by("age")));
        assertThat(page.getTotalElements()).isEqualTo(3);
        assertThat(page.getContent()).extracting(PersonFields::getFirstName).containsExactly("Byron", "Ada");
    }

    // ------------------------------------------------------------------ deletes

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void deleteByIdLeavesTombstonesInWriteBothPhasesAndRemovesOtherwise(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields ada = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        PersonFields grace = repository().save(person("Grace", "Hopper", "grace@example.com", 85, "+1 2"));

        repository().deleteById(ada.getId());

        Document oldAfter = collection(Shape.OLD).find(Filters.eq("_id", storedId(ada.getId()))).first();
        Document newAfter = collection(Shape.NEW).find(Filters.eq("_id", storedId(ada.getId()))).first();
        if (kind.sameCollection()) {
            // one document: a tombstone while both shapes are written, removed otherwise
            if (writesBoth(phase)) {
                assertThat(isTombstone(oldAfter)).as("tombstone").isTrue();
                assertThat(writes(oldAfter)).isEqualTo(2L);
                assertThat(oldAfter.keySet()).doesNotContain("first_name", "mail", "firstName", "email");
            }
            else {
                assertThat(oldAfter).isNull();
            }
        }
        else {
            switch (phase) {
                case OLD_ONLY -> {
                    // removed from old as before the migration; new keeps a tombstone above it
                    assertThat(oldAfter).isNull();
                    assertThat(isTombstone(newAfter)).as("new tombstone").isTrue();
                    assertThat(writes(newAfter)).isEqualTo(2L);
                }
                case READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH -> {
                    assertThat(isTombstone(oldAfter)).as("old tombstone").isTrue();
                    assertThat(isTombstone(newAfter)).as("new tombstone").isTrue();
                    assertThat(writes(oldAfter)).isEqualTo(2L);
                    assertThat(oldAfter.get("version")).isEqualTo(newAfter.get("version"));
                    assertThat(oldAfter.keySet()).doesNotContain("first_name", "mail");
                }
                case READ_NEW_WRITE_NEW -> {
                    assertThat(oldAfter).as("old is no longer written").isNull();
                    assertThat(isTombstone(newAfter)).as("new tombstone").isTrue();
                    assertThat(writes(newAfter)).isEqualTo(2L);
                    assertThat(newAfter.keySet()).doesNotContain("firstName", "email");
                }
            }
        }
        assertThat(repository().findById(ada.getId())).isEmpty();
        assertThat(repository().existsById(ada.getId())).isFalse();
        assertThat(repository().findAll()).extracting(PersonFields::getId).containsExactly(grace.getId());
        assertThat(repository().count()).isEqualTo(1);
        assertThat(repository().findAllById(List.of(ada.getId()))).isEmpty();
        assertThat(findByEmail("ada@example.com")).isEmpty();
        assertThat(countByLastName("Lovelace")).isZero();
        assertShapesHold(phase, grace, 1);
        repository().deleteById("never-existed");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void deletingAStaleEntityFailsAndKeepsIt(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields saved = repository().save(person("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        PersonFields stale = repository().findById(saved.getId()).orElseThrow();
        PersonFields current = repository().findById(saved.getId()).orElseThrow();
        current.setAge(37);
        PersonFields updated = repository().save(current);

        assertThatThrownBy(() -> repository().delete(stale)).isInstanceOf(OptimisticLockingFailureException.class);
        assertShapesHold(phase, updated, 2);

        repository().delete(updated);
        assertThat(repository().findById(saved.getId())).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void anIdCanBeReusedAfterDeleteAndContinuesAfterTheTombstonesVersion(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields first = person("Ada", "Lovelace", "ada@example.com", 36, "+44 1");
        first.setId("reused");
        repository().save(first);
        repository().deleteById("reused");
        PersonFields again = person("Ada", "King", "ada.king@example.com", 37, null);
        again.setId("reused");

        PersonFields saved = repository().save(again);

        // the new life of the id continues above its tombstone, except where a single document was removed
        long expectedWrites = kind.sameCollection() && !writesBoth(phase) ? 1L : 3L;
        assertThat(writes(saved.getVersion())).isEqualTo(expectedWrites);
        assertThat(repository().findById("reused")).get().extracting(PersonFields::getLastName).isEqualTo("King");
        assertThat(findByEmail("ada.king@example.com")).isPresent();
        if (writesBoth(phase)) {
            assertThat(raw(Shape.OLD, "reused").get("version")).isEqualTo(saved.getVersion());
            assertThat(raw(Shape.NEW, "reused").get("version")).isEqualTo(saved.getVersion());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndPhases")
    void deleteAllAndDeleteAllByIdRemoveFromEveryRead(Kind kind, Phase phase) {
        use(kind, phase);
        PersonFields a = repository().save(person("A", "X", "a@example.com", 1, null));
        PersonFields b = repository().save(person("B", "X", "b@example.com", 2, null));
        PersonFields c = repository().save(person("C", "X", "c@example.com", 3, null));

        repository().deleteAllById(List.of(a.getId()));
        assertThat(repository().count()).isEqualTo(2);
        repository().deleteAll(List.of(repository().findById(b.getId()).orElseThrow()));
        assertThat(repository().findAll()).extracting(PersonFields::getId).containsExactly(c.getId());
        repository().deleteAll();
        assertThat(repository().count()).isZero();
        assertThat(countByLastName("X")).isZero();
    }

    // ------------------------------------------------------------------ second write failure

    /**
     * Both write-both phases claim the version on the old shape and write the new shape second. When that second
     * write fails, READ_OLD_WRITE_BOTH acknowledges (its reads come from old, which has the write) and
     * READ_NEW_WRITE_BOTH does not (its reads come from new); both record it for repair.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("writeBothPhasesOfTwoCollections")
    void aFailedSecondWriteIsRecordedAndAcknowledgedOnlyWhereTheReadShapeHasIt(Kind kind, Phase phase) {
        use(kind, phase);
        collection(Shape.NEW).createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
        collection(Shape.NEW).insertOne(new Document("_id", "squatter").append("email", "ada@example.com")
                .append("version", 1L));
        PersonFields ada = person("Ada", "Lovelace", "ada@example.com", 36, "+44 1");
        ada.setId("ada");

        if (phase == Phase.READ_OLD_WRITE_BOTH) {
            PersonFields saved = repository().save(ada);
            assertThat(repository().findById("ada")).get().matches(found -> found.sameContent(saved));
        }
        else {
            assertThatThrownBy(() -> repository().save(ada)).isInstanceOf(io.dualwrite.IncompleteWriteException.class)
                    .hasMessageContaining("reached the old shape but not the new one")
                    .hasMessageContaining("recorded for repair");
            assertThat(repository().findById("ada")).isEmpty();
        }
        assertThat(raw(Shape.OLD, "ada")).isNotNull();
        assertThat(raw(Shape.NEW, "ada")).isNull();
        Document repair = Fixtures.database(context()).getCollection("dualwrite_repairs")
                .find(Filters.eq("entityId", "ada")).first();
        assertThat(repair).isNotNull();
        assertThat(repair.getString("migration")).isEqualTo(kind.migration);
        assertThat(repair.getString("shape")).isEqualTo("new");
        assertThat(repair.getString("kind")).isEqualTo("ERROR");
        assertThat(repair.getLong("version")).isEqualTo(raw(Shape.OLD, "ada").getLong("version"));
        assertThat(repair.getBoolean("repaired")).isFalse();
    }

    static Stream<Arguments> writeBothPhasesOfTwoCollections() {
        return Stream.of(Arguments.of(Kind.TWO_COLLECTIONS, Phase.READ_OLD_WRITE_BOTH),
                Arguments.of(Kind.TWO_COLLECTIONS, Phase.READ_NEW_WRITE_BOTH));
    }
}
