package io.dualwrite.adjacent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.OptimisticLockingFailureException;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.SettablePhaseSource;

/**
 * Two application contexts on one database, each a service instance, acting on adjacent phases at the same time, as
 * during a rolling change of the toggle. Checks DESIGN.md's invariant 1 (no lost update), 2 for reads (a deleted
 * entity is never read back), 5 (rolling back from READ_NEW_WRITE_BOTH loses nothing) against an independent record
 * of what each instance acknowledged.
 */
class AdjacentPhasesTests {

    private static ConfigurableApplicationContext first;

    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoInstances() {
        first = start();
        second = start();
    }

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(AdjacentApplication.class).web(WebApplicationType.NONE)
                .properties(Fixtures.mongoProperties("adjacent_phases"))
                .properties("dualwrite.toggles.poll-in-background=false", "spring.main.banner-mode=off")
                .run();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(first);
    }

    @AfterEach
    void clearHooks() {
        PausingCommands.clear();
    }

    private static AdjacentPersonRepository repository(ConfigurableApplicationContext instance) {
        return instance.getBean(AdjacentPersonRepository.class);
    }

    private static void phase(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).setAll(phase);
    }

    private static MongoCollection<Document> raw(Shape shape) {
        return Fixtures.database(first).getCollection(shape == Shape.OLD ? "people_v1" : "people_v2");
    }

    /** Live (non-tombstone) documents of a shape by id, reduced to the fields both shapes carry. */
    private static Map<String, String> liveContent(Shape shape) {
        Map<String, String> content = new TreeMap<>();
        for (Document document : raw(shape).find(Filters.exists("_dwDeleted", false))) {
            String email = shape == Shape.OLD ? document.getString("mail") : document.getString("email");
            String age = shape == Shape.OLD ? document.getString("age_text") : String.valueOf(document.get("age"));
            content.put(String.valueOf(document.get("_id")), email + "|" + age + "|" + document.get("version"));
        }
        return content;
    }

    private static String content(Person person) {
        return person.getEmail() + "|" + person.getAge() + "|" + person.getVersion();
    }

    // ------------------------------------------------------------------ deterministic crossings

    /** A writer on its own thread, stopped right before its write to one collection until released. */
    private static final class PausedWriter {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        private final CountDownLatch paused = new CountDownLatch(1);

        private final CountDownLatch released = new CountDownLatch(1);

        private final Future<Object> outcome;

        PausedWriter(String collection, java.util.concurrent.Callable<Object> write) throws InterruptedException {
            outcome = thread.submit(() -> {
                PausingCommands.beforeWriting(collection, () -> {
                    paused.countDown();
                    try {
                        released.await(10, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
                try {
                    return write.call();
                }
                catch (OptimisticLockingFailureException refused) {
                    return refused;
                }
            });
            assertThat(paused.await(10, TimeUnit.SECONDS)).as("writer reached its write to " + collection).isTrue();
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

    private static java.util.concurrent.Callable<Object> update(ConfigurableApplicationContext instance, String id,
            java.util.function.Consumer<Person> change) {
        return () -> {
            Person loaded = repository(instance).findById(id).orElseThrow();
            change.accept(loaded);
            return repository(instance).save(loaded);
        };
    }

    private static Object attempt(java.util.concurrent.Callable<Object> write) throws Exception {
        try {
            return write.call();
        }
        catch (OptimisticLockingFailureException refused) {
            return refused;
        }
    }

    private String seed(ConfigurableApplicationContext instance) {
        return repository(instance).save(Person.of("Ada", "Lovelace", "ada@v0", 36, null)).getId();
    }

    /**
     * A read-old instance has claimed its write on old and is about to write new; a read-new instance, still reading
     * the previous state from new, cannot overtake it: its claim on old fails.
     */
    @Test
    void aReadNewWriterCannotOvertakeAReadOldWriterBetweenItsTwoWrites() throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = seed(first);
        PausedWriter readOld = new PausedWriter("people_v2", update(first, id, p -> p.setEmail("from-read-old")));

        Object readNew = attempt(update(second, id, p -> p.setEmail("from-read-new")));
        Object acknowledged = readOld.release();

        assertThat(readNew).isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(acknowledged).isInstanceOf(Person.class);
        assertBothShapesHold(id, content((Person) acknowledged));
    }

    /**
     * A read-new instance has claimed its write on old and is about to write new; a read-old instance reads that
     * write from old and builds on it. Both are acknowledged and the later one, which contains the earlier, ends in
     * both shapes.
     */
    @Test
    void aReadOldWriterBuildsOnAReadNewWriterThatIsBetweenItsTwoWrites() throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = seed(first);
        PausedWriter readNew = new PausedWriter("people_v2", update(second, id, p -> p.setEmail("from-read-new")));

        Object readOld = attempt(update(first, id, p -> p.setAge(99)));
        Object earlier = readNew.release();

        assertThat(earlier).isInstanceOf(Person.class);
        assertThat(readOld).isInstanceOf(Person.class);
        Person later = (Person) readOld;
        assertThat(later.getEmail()).as("the later write contains the earlier").isEqualTo("from-read-new");
        assertThat(later.getAge()).isEqualTo(99);
        assertBothShapesHold(id, content(later));
    }

    /** The review's chain: read-new writes queue behind a read-old write instead of overwriting it. */
    @Test
    void readNewWritersCannotChainPastAnAcknowledgedReadOldWrite() throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = seed(first);
        PausedWriter c1 = new PausedWriter("people_v2", update(second, id, p -> p.setEmail("c1")));
        Object c2 = attempt(update(second, id, p -> p.setEmail("c2")));
        Object b = attempt(update(first, id, p -> p.setAge(99)));
        Object c3 = attempt(update(second, id, p -> p.setEmail("c3")));
        Object c1Outcome = c1.release();

        assertThat(c2).as("c2 started from the state c1 was replacing").isInstanceOf(
                OptimisticLockingFailureException.class);
        assertThat(c1Outcome).isInstanceOf(Person.class);
        assertThat(b).isInstanceOf(Person.class);
        Person acknowledged = (Person) b;
        assertThat(acknowledged.getAge()).isEqualTo(99);
        assertThat(acknowledged.getEmail()).as("b read c1's write from old").isEqualTo("c1");
        Person finalState = repository(second).findById(id).orElseThrow();
        assertThat(finalState.getAge()).as("b's acknowledged change survives").isEqualTo(99);
        if (c3 instanceof Person third) {
            assertThat(third.getAge()).isEqualTo(99);
            assertBothShapesHold(id, content(third));
        }
        else {
            assertBothShapesHold(id, content(acknowledged));
        }
    }

    /** A delete claimed by a read-old instance stops a read-new update; nothing comes back. */
    @Test
    void aDeleteFromAReadOldInstanceStopsACrossingReadNewUpdate() throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = seed(first);
        PausedWriter delete = new PausedWriter("people_v2", () -> {
            repository(first).delete(repository(first).findById(id).orElseThrow());
            return "deleted";
        });

        Object readNew = attempt(update(second, id, p -> p.setEmail("from-read-new")));
        assertThat(delete.release()).isEqualTo("deleted");

        assertThat(readNew).isInstanceOf(OptimisticLockingFailureException.class);
        assertDeletedEverywhere(id);
    }

    /**
     * The review's resurrection: an OLD_ONLY instance deletes while a write-both instance is between its two
     * writes; the write-both instance's second write must not bring the entity back in the new shape.
     */
    @Test
    void aDeleteFromAnOldOnlyInstanceIsNotUndoneByACrossingWriteBothWrite() throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.OLD_ONLY);
        String id = seed(first);
        PausedWriter writeBoth = new PausedWriter("people_v2", update(first, id, p -> p.setEmail("b")));

        repository(second).delete(repository(second).findById(id).orElseThrow());
        Object acknowledged = writeBoth.release();

        assertThat(acknowledged).as("the update came before the delete on old").isInstanceOf(Person.class);
        assertDeletedEverywhere(id);
        phase(first, Phase.READ_NEW_WRITE_BOTH);
        assertThat(repository(first).findById(id)).as("after the switch to reading new").isEmpty();
    }

    /** An entity deleted on an OLD_ONLY instance and created again continues above the tombstone in new. */
    @Test
    void anIdDeletedByAnOldOnlyInstanceAndCreatedAgainReachesTheNewShape() {
        phase(first, Phase.OLD_ONLY);
        phase(second, Phase.READ_OLD_WRITE_BOTH);
        String id = seed(second);
        repository(first).deleteById(id);
        Person again = Person.of("Ada", "King", "ada@again", 37, null);
        again.setId(id);
        Person created = repository(first).save(again);

        Person updated = repository(second).save(created);

        assertBothShapesHold(id, content(updated));
    }

    /** A READ_NEW_WRITE_NEW write that lands while a read-new-write-both write is between its writes wins. */
    @Test
    void aNewOnlyWriteWinsOverACrossingReadNewWriteBothWrite() throws Exception {
        phase(first, Phase.READ_NEW_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_NEW);
        String id = seed(first);
        PausedWriter writeBoth = new PausedWriter("people_v2", update(first, id, p -> p.setEmail("write-both")));

        Object newOnly = attempt(update(second, id, p -> p.setEmail("new-only")));
        Object refused = writeBoth.release();

        assertThat(newOnly).isInstanceOf(Person.class);
        assertThat(refused).isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(repository(first).findById(id)).get().extracting(Person::getEmail).isEqualTo("new-only");
        assertThat(repository(second).findById(id)).get().extracting(Person::getEmail).isEqualTo("new-only");
    }

    /** Once a READ_NEW_WRITE_NEW instance wrote an entity, read-new-write-both instances write it through new. */
    @Test
    void readNewWriteBothWritesAnEntityLastWrittenByANewOnlyInstance() {
        phase(first, Phase.READ_NEW_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_NEW);
        String id = seed(first);
        Person newOnly = repository(second).findById(id).orElseThrow();
        newOnly.setEmail("new-only");
        repository(second).save(newOnly);

        Person loaded = repository(first).findById(id).orElseThrow();
        loaded.setAge(50);
        Person saved = repository(first).save(loaded);

        assertThat(repository(second).findById(id)).get().extracting(AdjacentPhasesTests::content)
                .isEqualTo(content(saved));
        assertThat(saved.getEmail()).isEqualTo("new-only");
    }

    private static void assertBothShapesHold(String id, String expected) {
        assertThat(liveContent(Shape.OLD)).containsExactly(Map.entry(id, expected));
        assertThat(liveContent(Shape.NEW)).containsExactly(Map.entry(id, expected));
    }

    private static void assertDeletedEverywhere(String id) {
        assertThat(liveContent(Shape.OLD)).doesNotContainKey(id);
        assertThat(liveContent(Shape.NEW)).doesNotContainKey(id);
        assertThat(repository(first).findById(id)).isEmpty();
        assertThat(repository(second).findById(id)).isEmpty();
    }

    // ------------------------------------------------------------------ interleavings across adjacent phases

    static Stream<Arguments> adjacentPairs() {
        return Stream.of(Arguments.of(Phase.OLD_ONLY, Phase.READ_OLD_WRITE_BOTH),
                Arguments.of(Phase.READ_OLD_WRITE_BOTH, Phase.READ_NEW_WRITE_BOTH),
                Arguments.of(Phase.READ_NEW_WRITE_BOTH, Phase.READ_NEW_WRITE_NEW));
    }

    /**
     * Writes alternate between two instances in adjacent phases; after every acknowledged write both instances read
     * exactly what the independent model says, deleted entities are never read back, and the shape(s) both phases
     * maintain hold it at the end.
     */
    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("adjacentPairs")
    void interleavedWritesFromAdjacentPhasesAreAllVisibleToBoth(Phase earlier, Phase later) {
        phase(first, earlier);
        phase(second, later);
        Random random = new Random(42);
        Map<String, String> model = new TreeMap<>();
        List<String> ids = List.of("p0", "p1", "p2", "p3", "p4", "p5");
        for (int step = 0; step < 300; step++) {
            ConfigurableApplicationContext instance = random.nextBoolean() ? first : second;
            String id = ids.get(random.nextInt(ids.size()));
            AdjacentPersonRepository repository = repository(instance);
            Optional<Person> current = repository.findById(id);
            assertThat(current.map(AdjacentPhasesTests::content)).as("read of %s at step %d", id, step)
                    .isEqualTo(Optional.ofNullable(model.get(id)));
            if (current.isEmpty()) {
                Person created = Person.of("N", "L", id + "@s" + step, step, null);
                created.setId(id);
                model.put(id, content(repository.save(created)));
            }
            else if (random.nextInt(4) == 0) {
                repository.delete(current.get());
                model.remove(id);
            }
            else {
                Person person = current.get();
                person.setEmail(id + "@s" + step);
                person.setAge(step);
                model.put(id, content(repository.save(person)));
            }
            for (ConfigurableApplicationContext reader : List.of(first, second)) {
                assertThat(readAll(reader)).as("findAll after step %d", step).isEqualTo(model);
            }
        }
        if (earlier.writes(Shape.NEW)) {
            assertThat(liveContent(Shape.NEW)).as("new shape").isEqualTo(model);
        }
        if (later.writes(Shape.OLD)) {
            assertThat(liveContent(Shape.OLD)).as("old shape").isEqualTo(model);
        }
        assertNewNeverAhead();
        if (later == Phase.READ_NEW_WRITE_BOTH) {
            phase(second, Phase.READ_OLD_WRITE_BOTH);
            for (ConfigurableApplicationContext reader : List.of(first, second)) {
                assertThat(readAll(reader)).as("after rolling back to READ_OLD_WRITE_BOTH").isEqualTo(model);
            }
        }
    }

    private static Map<String, String> readAll(ConfigurableApplicationContext reader) {
        Map<String, String> read = new TreeMap<>();
        repository(reader).findAll().forEach(person -> read.put(person.getId(), content(person)));
        return read;
    }

    /** The copier may fix a new shape that lags, never one that is ahead of old while old is the source of truth. */
    private static void assertNewNeverAhead() {
        Map<String, Long> oldVersions = new HashMap<>();
        raw(Shape.OLD).find().forEach(d -> oldVersions.put(String.valueOf(d.get("_id")),
                ((Number) d.get("version")).longValue()));
        for (Document document : raw(Shape.NEW).find()) {
            Long oldVersion = oldVersions.get(String.valueOf(document.get("_id")));
            if (oldVersion != null && phaseOf(first).readShape() == Shape.OLD) {
                assertThat(((Number) document.get("version")).longValue()).isLessThanOrEqualTo(oldVersion);
            }
        }
    }

    private static Phase phaseOf(ConfigurableApplicationContext instance) {
        return instance.getBean(SettablePhaseSource.class).currentPhase(AdjacentApplication.MIGRATION);
    }

    // ------------------------------------------------------------------ racing threads

    /** An acknowledged write: the version it started from, the version it wrote, what it wrote. */
    record Ack(String id, long base, long version, String content, String writer) {
    }

    private static long writes(long version) {
        return version >>> io.dualwrite.internal.Versions.RANDOM_BITS;
    }

    /**
     * Threads on two instances in adjacent phases update and delete the same few entities as fast as they can. Every
     * acknowledged write is recorded independently; at the end each entity reads as its highest acknowledged version,
     * no two acknowledged writes share a version with different content (that would be a lost update), deleted
     * entities stay deleted, and the shapes both phases maintain agree with that record.
     */
    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("adjacentPairs")
    void racingWritersInAdjacentPhasesLoseNothing(Phase earlier, Phase later) throws Exception {
        phase(first, earlier);
        phase(second, later);
        List<String> ids = new ArrayList<>();
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 12; i++) {
            Person person = Person.of("R", "L", "r" + i + "@init", 0, null);
            person.setId("r" + i);
            Person saved = repository(first).save(person);
            ids.add(saved.getId());
            acks.add(new Ack(saved.getId(), 0L, saved.getVersion(), content(saved), "setup"));
        }
        int threadsPerInstance = 2;
        ExecutorService pool = Executors.newFixedThreadPool(threadsPerInstance * 2);
        List<Future<Integer>> workers = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threadsPerInstance * 2; t++) {
            ConfigurableApplicationContext instance = t % 2 == 0 ? first : second;
            String writer = (t % 2 == 0 ? "first" : "second") + "-" + t;
            long seed = 1000 + t;
            workers.add(pool.submit(() -> {
                start.await();
                Random random = new Random(seed);
                int acknowledged = 0;
                for (int op = 0; op < 250; op++) {
                    String id = ids.get(random.nextInt(ids.size()));
                    Optional<Person> loaded = repository(instance).findById(id);
                    if (loaded.isEmpty()) {
                        continue;
                    }
                    Person person = loaded.get();
                    try {
                        if (random.nextInt(40) == 0) {
                            repository(instance).delete(person);
                            long deletedAt = (writes(person.getVersion()) + 1) << io.dualwrite.internal.Versions.RANDOM_BITS;
                            acks.add(new Ack(id, person.getVersion(), deletedAt, "DELETED", writer));
                        }
                        else {
                            person.setEmail(writer + "-" + op + "@race");
                            person.setAge(op);
                            long base = person.getVersion();
                            Person saved = repository(instance).save(person);
                            acks.add(new Ack(id, base, saved.getVersion(), content(saved), writer));
                        }
                        acknowledged++;
                    }
                    catch (OptimisticLockingFailureException refused) {
                        // not acknowledged: the caller would reload and retry
                    }
                }
                return acknowledged;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> worker : workers) {
            total += worker.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(total).as("acknowledged writes").isGreaterThan(100);

        Map<String, List<Ack>> byId = acks.stream().collect(Collectors.groupingBy(Ack::id));
        Map<String, String> expected = new TreeMap<>();
        List<String> lost = new ArrayList<>();
        for (String id : ids) {
            List<Ack> history = new ArrayList<>(byId.get(id));
            history.sort(Comparator.comparingLong(ack -> writes(ack.version())));
            for (int i = 1; i < history.size(); i++) {
                Ack previous = history.get(i - 1);
                Ack next = history.get(i);
                // an acknowledged write must have started from the previous acknowledged one, or from a later state
                if (writes(next.base()) < writes(previous.version())) {
                    lost.add(id + ": " + next + " did not see " + previous);
                }
            }
            Ack last = history.get(history.size() - 1);
            boolean deleted = history.stream().anyMatch(ack -> ack.content().equals("DELETED"));
            if (!deleted) {
                expected.put(id, last.content());
            }
        }
        assertThat(lost).as("acknowledged writes that did not build on the previous one (lost updates)").isEmpty();
        for (ConfigurableApplicationContext reader : List.of(first, second)) {
            Map<String, String> read = new TreeMap<>();
            for (String id : ids) {
                repository(reader).findById(id).ifPresent(p -> read.put(id, content(p)));
            }
            assertThat(read).as("what each instance reads").isEqualTo(expected);
        }
        if (earlier.writes(Shape.NEW)) {
            assertThat(liveContent(Shape.NEW)).as("new shape").isEqualTo(expected);
        }
        if (later.writes(Shape.OLD)) {
            assertThat(liveContent(Shape.OLD)).as("old shape").isEqualTo(expected);
        }
    }

    @Test
    void aRollbackFromReadNewWriteBothReadsEverythingWrittenWhileReadingNew() {
        phase(first, Phase.READ_NEW_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        Person kept = repository(first).save(Person.of("K", "L", "kept@new", 1, null));
        Person changed = repository(second).save(Person.of("C", "L", "changed@new", 2, null));
        changed.setEmail("changed@again");
        changed = repository(first).save(changed);
        Person deleted = repository(second).save(Person.of("D", "L", "deleted@new", 3, null));
        repository(first).delete(deleted);

        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_OLD_WRITE_BOTH);

        for (ConfigurableApplicationContext reader : List.of(first, second)) {
            assertThat(repository(reader).findById(kept.getId())).get().extracting(Person::getEmail)
                    .isEqualTo("kept@new");
            assertThat(repository(reader).findById(changed.getId())).get().extracting(Person::getEmail)
                    .isEqualTo("changed@again");
            assertThat(repository(reader).findById(deleted.getId())).isEmpty();
            assertThat(repository(reader).findByEmail("deleted@new")).isEmpty();
        }
    }
}
