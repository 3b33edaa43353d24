package io.dualwrite.adjacent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.OptimisticLockingFailureException;

import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.internal.Bookkeeping;

/**
 * The write protocol around the {@code _dwNewOnly} mark, with writers in {@code READ_NEW_WRITE_BOTH} and
 * {@code READ_NEW_WRITE_NEW} (the mix of a rollback from {@code READ_NEW_WRITE_NEW} as much as of the way forward):
 * once the new shape decides for an entity, a write-both writer's claim on old never succeeds, not even when old has
 * caught up on new's behalf, so a writer held between its two writes cannot be acknowledged for a write nobody sees.
 */
class ReverseProtocolTests {

    private static ConfigurableApplicationContext writeBoth;

    private static ConfigurableApplicationContext newOnly;

    @BeforeAll
    static void startTwoInstances() {
        writeBoth = start();
        newOnly = start();
    }

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(AdjacentApplication.class).web(WebApplicationType.NONE)
                .properties(Fixtures.mongoProperties("reverse_protocol"))
                .properties("dualwrite.toggles.poll-in-background=false", "spring.main.banner-mode=off")
                .run();
    }

    @AfterAll
    static void stop() {
        writeBoth.close();
        newOnly.close();
    }

    @BeforeEach
    void phases() {
        Fixtures.clear(writeBoth);
        phase(writeBoth, Phase.READ_NEW_WRITE_BOTH);
        phase(newOnly, Phase.READ_NEW_WRITE_NEW);
    }

    @AfterEach
    void clearHooks() {
        PausingCommands.clear();
    }

    /**
     * Found while designing the reverse copy: a write-both writer claims old and is held before new; a new-only write,
     * then a write-both write through new (which brings old up to date, on new's behalf, over the held claim), then
     * another write-both write all land meanwhile. Before the mark was carried into old, that last write claimed old
     * successfully and wrote new unmarked, and the held writer, finding old moved on and no mark, was acknowledged as
     * superseded although no write had built on it: a lost update. Now the last write goes through new too, and the
     * held writer is refused.
     */
    @Test
    void aWriterHeldBetweenItsWritesWhileNewDecidesIsRefusedNotLost() throws Exception {
        String id = seed();
        HeldWriter held = new HeldWriter("people_v2", update(writeBoth, id, p -> p.setAge(99)));

        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        update(writeBoth, id, p -> p.setEmail("z@through-new")).call();
        Person last = (Person) update(writeBoth, id, p -> p.setEmail("w@after")).call();
        Object outcome = held.release();

        assertThat(outcome).as("the held write was overtaken and must not be acknowledged")
                .isInstanceOf(OptimisticLockingFailureException.class);
        for (ConfigurableApplicationContext reader : new ConfigurableApplicationContext[] { writeBoth, newOnly }) {
            Person read = repository(reader).findById(id).orElseThrow();
            assertThat(read.getEmail()).isEqualTo("w@after");
            assertThat(read.getAge()).isEqualTo(36);
            assertThat(read.getVersion()).isEqualTo(last.getVersion());
        }
    }

    /** Old caught up on new's behalf is marked, and a write-both write of the entity still goes through new. */
    @Test
    void oldKeptUpToDateOnNewsBehalfIsMarkedAndNotClaimable() throws Exception {
        String id = seed();
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        Person throughNew = (Person) update(writeBoth, id, p -> p.setEmail("z@through-new")).call();

        Document old = raw("people_v1", id);
        assertThat(old.get("version")).as("old caught up").isEqualTo(throughNew.getVersion());
        assertThat(Bookkeeping.isNewOnly(old)).as("on new's behalf").isTrue();
        assertThat(Bookkeeping.isNewOnly(raw("people_v2", id))).isTrue();

        Person again = (Person) update(writeBoth, id, p -> p.setAge(50)).call();
        assertThat(Bookkeeping.isNewOnly(raw("people_v2", id))).as("written through new again").isTrue();
        assertThat(raw("people_v1", id).get("version")).isEqualTo(again.getVersion());
        assertThat(raw("people_v1", id).getString("mail")).isEqualTo("z@through-new");
    }

    /** A write-both delete of an entity new decides for leaves marked tombstones, and the id can be created again. */
    @Test
    void anEntityNewDecidesForIsDeletedAndCreatedAgainThroughNew() throws Exception {
        String id = seed();
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        repository(writeBoth).deleteById(id);
        assertThat(Bookkeeping.isTombstone(raw("people_v1", id))).isTrue();
        assertThat(Bookkeeping.isNewOnly(raw("people_v1", id))).isTrue();

        Person again = Person.of("Ada", "King", "ada@again", 37, null);
        again.setId(id);
        Person created = repository(writeBoth).save(again);

        assertThat(repository(newOnly).findById(id)).get().extracting(Person::getEmail).isEqualTo("ada@again");
        assertThat(raw("people_v1", id).get("version")).isEqualTo(created.getVersion());
        assertThat(raw("people_v1", id).getString("mail")).isEqualTo("ada@again");
    }

    /** A phase that reads old cannot write an entity new still decides for, and says what to do. */
    @Test
    void aReadOldWriterMeetingAnEntityNewDecidesForIsToldToRunAReverseCopy() throws Exception {
        String id = seed();
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        update(writeBoth, id, p -> p.setEmail("z@through-new")).call();
        phase(writeBoth, Phase.READ_OLD_WRITE_BOTH);

        Object outcome = attempt(update(writeBoth, id, p -> p.setAge(1)));

        assertThat(outcome).isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(((Exception) outcome).getMessage()).contains("new shape still decides").contains("reverse copy");
        assertThat(raw("people_v1", id).getString("mail")).isEqualTo("z@through-new");
    }

    // ------------------------------------------------------------------ helpers

    private String seed() {
        phase(newOnly, Phase.READ_NEW_WRITE_BOTH);
        try {
            Person ada = Person.of("Ada", "Lovelace", "ada@v0", 36, null);
            ada.setId("ada");
            return repository(writeBoth).save(ada).getId();
        }
        finally {
            phase(newOnly, Phase.READ_NEW_WRITE_NEW);
        }
    }

    private static AdjacentPersonRepository repository(ConfigurableApplicationContext instance) {
        return instance.getBean(AdjacentPersonRepository.class);
    }

    private static void phase(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).setAll(phase);
    }

    private static Document raw(String collection, String id) {
        return Fixtures.database(writeBoth).getCollection(collection).find(Filters.eq("_id", id)).first();
    }

    private static Callable<Object> update(ConfigurableApplicationContext instance, String id,
            Consumer<Person> change) {
        return () -> {
            Person loaded = repository(instance).findById(id).orElseThrow();
            change.accept(loaded);
            return repository(instance).save(loaded);
        };
    }

    private static Object attempt(Callable<Object> write) throws Exception {
        try {
            return write.call();
        }
        catch (OptimisticLockingFailureException refused) {
            return refused;
        }
    }

    /** A write on its own thread, held right before its write to one collection until released. */
    private static final class HeldWriter {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        private final CountDownLatch held = new CountDownLatch(1);

        private final CountDownLatch released = new CountDownLatch(1);

        private final Future<Object> outcome;

        HeldWriter(String collection, Callable<Object> write) throws InterruptedException {
            outcome = thread.submit(() -> {
                PausingCommands.beforeWriting(collection, () -> {
                    held.countDown();
                    try {
                        released.await(10, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
                return attempt(write);
            });
            assertThat(held.await(10, TimeUnit.SECONDS)).as("writer reached its write to " + collection).isTrue();
        }

        Object release() throws Exception {
            released.countDown();
            try {
                return outcome.get(10, TimeUnit.SECONDS);
            }
            finally {
                thread.shutdownNow();
            }
        }
    }
}
