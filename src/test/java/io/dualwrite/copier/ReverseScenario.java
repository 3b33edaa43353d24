package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.bson.Document;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonFields;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.instances.InstanceHeartbeat;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.spi.DocumentMapping;

/**
 * What the reverse copy tests share: instances (application contexts) whose phase a test sets and reports to the
 * instance registry at once, an independent record of acknowledged writes ({@link Model}), and checks of reads and
 * raw shapes against it.
 */
final class ReverseScenario {

    static final String NONE = "NONE";

    private ReverseScenario() {
    }

    /** Sets the phase of an instance and sends its heartbeat, so that the registry knows at once. */
    static void phase(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).setAll(phase);
        instance.getBean(InstanceHeartbeat.class).tick();
    }

    static PersonRepository people(ConfigurableApplicationContext instance) {
        return instance.getBean(PersonRepository.class);
    }

    static MemberRepository members(ConfigurableApplicationContext instance) {
        return instance.getBean(MemberRepository.class);
    }

    static MongoCollection<Document> collection(ConfigurableApplicationContext instance, String name) {
        return Fixtures.database(instance).getCollection(name);
    }

    static Document raw(ConfigurableApplicationContext instance, String collection, String id) {
        return collection(instance, collection).find(Filters.eq("_id", id)).first();
    }

    static String content(PersonFields person) {
        return person.getFirstName() + "|" + person.getLastName() + "|" + person.getEmail() + "|" + person.getAge()
                + "|" + person.getPhone() + "|v" + person.getVersion();
    }

    /** What a raw document of a shape holds, as {@link #content} of its entity, or {@link #NONE}. */
    static <T extends PersonFields> String live(Document document, DocumentMapping<T> mapping) {
        if (document == null || Bookkeeping.isTombstone(document)) {
            return NONE;
        }
        T entity = mapping.fromDocument(document);
        entity.setVersion(Bookkeeping.version(document, "version"));
        return content(entity);
    }

    static final OldPersonMapping<Person> OLD_PEOPLE = new OldPersonMapping<>(Person::new);

    static final NewPersonMapping<Person> NEW_PEOPLE = new NewPersonMapping<>(Person::new);

    static final OldPersonMapping<Member> OLD_MEMBERS = new OldPersonMapping<>(Member::new);

    static final NewPersonMapping<Member> NEW_MEMBERS = new NewPersonMapping<>(Member::new);

    /** The independent record of acknowledged writes: id to content (with version), {@link #NONE} when deleted. */
    static final class Model {

        final Map<String, String> acknowledged = new TreeMap<>();

        <T extends PersonFields> T ack(T saved) {
            acknowledged.put(saved.getId(), content(saved));
            return saved;
        }

        void deleted(String id) {
            acknowledged.put(id, NONE);
        }

        /** Every id reads as acknowledged (absent when deleted), by id and by email, in the instance's phase. */
        void assertReads(PersonRepository repository, String when) {
            for (Map.Entry<String, String> entry : acknowledged.entrySet()) {
                Optional<Person> read = repository.findById(entry.getKey());
                assertThat(read.map(ReverseScenario::content).orElse(NONE)).as("%s: read of %s", when, entry.getKey())
                        .isEqualTo(entry.getValue());
            }
            Map<String, String> all = new TreeMap<>();
            repository.findAll().forEach(person -> all.put(person.getId(), content(person)));
            Map<String, String> live = new TreeMap<>(acknowledged);
            live.values().removeIf(NONE::equals);
            assertThat(all).as("%s: findAll", when).containsAllEntriesOf(live);
            assertThat(all.keySet()).as("%s: nothing deleted comes back", when)
                    .doesNotContainAnyElementsOf(deletedIds());
        }

        /** The same for the same-collection fixture. */
        void assertMemberReads(MemberRepository repository, String when) {
            for (Map.Entry<String, String> entry : acknowledged.entrySet()) {
                Optional<Member> read = repository.findById(entry.getKey());
                assertThat(read.map(ReverseScenario::content).orElse(NONE)).as("%s: read of %s", when, entry.getKey())
                        .isEqualTo(entry.getValue());
            }
        }

        /** A raw shape holds exactly the acknowledged state of every id. */
        <T extends PersonFields> void assertShape(MongoCollection<Document> collection, DocumentMapping<T> mapping,
                String when) {
            for (Map.Entry<String, String> entry : acknowledged.entrySet()) {
                Document document = collection.find(Filters.eq("_id", entry.getKey())).first();
                assertThat(live(document, mapping)).as("%s: %s in %s", when, entry.getKey(),
                        collection.getNamespace().getCollectionName()).isEqualTo(entry.getValue());
            }
        }

        List<String> deletedIds() {
            return acknowledged.entrySet().stream().filter(e -> e.getValue().equals(NONE)).map(Map.Entry::getKey)
                    .toList();
        }
    }
}
