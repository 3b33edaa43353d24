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
import org.junit.jupiter.params.provider.ValueSource;
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

    /**
     * An instance reading old (READ_OLD_WRITE_BOTH) and one reading new (READ_NEW_WRITE_BOTH) update the same entity
     * at the same moment: each has written its source of truth and is about to write the other shape. Exactly one
     * is acknowledged, and both shapes end with its change.
     */
    @ParameterizedTest(name = "read-old instance finishes first: {0}")
    @ValueSource(booleans = { true, false })
    void crossingUpdatesFromReadOldAndReadNewInstancesAcknowledgeOneAndConverge(boolean readOldFinishesFirst)
            throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = repository(first).save(Person.of("Ada", "Lovelace", "ada@v1", 36, null)).getId();

        Crossing crossing = cross(
                () -> update(first, id, "ada@from-read-old", Shape.NEW),
                () -> update(second, id, "ada@from-read-new", Shape.OLD), readOldFinishesFirst);

        assertThat(crossing.readOld()).as("read-old instance acknowledged").isInstanceOf(Person.class);
        assertThat(crossing.readNew()).as("read-new instance refused")
                .isInstanceOf(OptimisticLockingFailureException.class);
        String acknowledged = content((Person) crossing.readOld());
        assertThat(liveContent(Shape.OLD)).containsExactly(Map.entry(id, acknowledged));
        assertThat(liveContent(Shape.NEW)).containsExactly(Map.entry(id, acknowledged));
        assertThat(repository(first).findById(id)).get().extracting(Person::getEmail).isEqualTo("ada@from-read-old");
        assertThat(repository(second).findById(id)).get().extracting(Person::getEmail).isEqualTo("ada@from-read-old");
        assertThat(Fixtures.database(first).getCollection("dualwrite_repairs")
                .countDocuments(Filters.eq("kind", "CONFLICT"))).isPositive();
    }

    /** The same crossing where the read-old instance deletes: the delete wins and nothing comes back. */
    @ParameterizedTest(name = "read-old instance finishes first: {0}")
    @ValueSource(booleans = { true, false })
    void crossingDeleteFromReadOldAndUpdateFromReadNewLeavesItDeleted(boolean readOldFinishesFirst) throws Exception {
        phase(first, Phase.READ_OLD_WRITE_BOTH);
        phase(second, Phase.READ_NEW_WRITE_BOTH);
        String id = repository(first).save(Person.of("Ada", "Lovelace", "ada@v1", 36, null)).getId();

        Crossing crossing = cross(() -> {
            PausingCommands.beforeWriting("people_v2", Crossing.pauseHere());
            Person loaded = repository(first).findById(id).orElseThrow();
            repository(first).delete(loaded);
            return "deleted";
        }, () -> update(second, id, "ada@from-read-new", Shape.OLD), readOldFinishesFirst);

        assertThat(crossing.readOld()).isEqualTo("deleted");
        assertThat(crossing.readNew()).isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(liveContent(Shape.OLD)).isEmpty();
        assertThat(liveContent(Shape.NEW)).isEmpty();
        assertThat(repository(first).findById(id)).isEmpty();
        assertThat(repository(second).findById(id)).isEmpty();
        assertThat(repository(second).findByEmail("ada@from-read-new")).isEmpty();
    }

    private static Object update(ConfigurableApplicationContext instance, String id, String email, Shape pauseBefore) {
        PausingCommands.beforeWriting(pauseBefore == Shape.OLD ? "people_v1" : "people_v2", Crossing.pauseHere());
        Person loaded = repository(instance).findById(id).orElseThrow();
        loaded.setEmail(email);
        try {
            return repository(instance).save(loaded);
        }
        catch (OptimisticLockingFailureException refused) {
            return refused;
        }
    }

    /** Runs two writers until both paused between their writes, then lets them finish in the given order. */
    private static Crossing cross(java.util.concurrent.Callable<Object> readOldWriter,
            java.util.concurrent.Callable<Object> readNewWriter, boolean readOldFinishesFirst) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Crossing.Gate readOldGate = new Crossing.Gate();
            Crossing.Gate readNewGate = new Crossing.Gate();
            Future<Object> readOld = pool.submit(() -> Crossing.Gate.with(readOldGate, readOldWriter));
            readOldGate.awaitPaused();
            Future<Object> readNew = pool.submit(() -> Crossing.Gate.with(readNewGate, readNewWriter));
            readNewGate.awaitPaused();
            Crossing.Gate firstGate = readOldFinishesFirst ? readOldGate : readNewGate;
            Future<Object> firstDone = readOldFinishesFirst ? readOld : readNew;
            Crossing.Gate secondGate = readOldFinishesFirst ? readNewGate : readOldGate;
            firstGate.release();
            firstDone.get(10, TimeUnit.SECONDS);
            secondGate.release();
            return new Crossing(readOld.get(10, TimeUnit.SECONDS), readNew.get(10, TimeUnit.SECONDS));
        }
        finally {
            pool.shutdownNow();
        }
    }

    record Crossing(Object readOld, Object readNew) {

        private static final ThreadLocal<Gate> CURRENT = new ThreadLocal<>();

        static Runnable pauseHere() {
            return () -> CURRENT.get().pause();
        }

        static final class Gate {

            private final CountDownLatch paused = new CountDownLatch(1);

            private final CountDownLatch released = new CountDownLatch(1);

            static Object with(Gate gate, java.util.concurrent.Callable<Object> writer) throws Exception {
                CURRENT.set(gate);
                try {
                    return writer.call();
                }
                finally {
                    CURRENT.remove();
                }
            }

            void pause() {
                paused.countDown();
                try {
                    if (!released.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("writer was never released");
                    }
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ex);
                }
            }

            void awaitPaused() throws InterruptedException {
                assertThat(paused.await(10, TimeUnit.SECONDS)).as("writer reached its second write").isTrue();
            }

            void release() {
                released.countDown();
            }
        }
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

    record Ack(String id, long version, String content, String writer) {
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
            acks.add(new Ack(saved.getId(), saved.getVersion(), content(saved), "setup"));
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
                            acks.add(new Ack(id, person.getVersion() + 1, "DELETED", writer));
                        }
                        else {
                            person.setEmail(writer + "-" + op + "@race");
                            person.setAge(op);
                            Person saved = repository(instance).save(person);
                            acks.add(new Ack(id, saved.getVersion(), content(saved), writer));
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
            history.sort(Comparator.comparingLong(Ack::version));
            Map<Long, String> atVersion = new HashMap<>();
            for (Ack ack : history) {
                String previous = atVersion.putIfAbsent(ack.version(), ack.content());
                if (previous != null && !previous.equals(ack.content())) {
                    lost.add(id + " v" + ack.version() + ": " + previous + " and " + ack.content());
                }
            }
            Ack last = history.get(history.size() - 1);
            boolean deleted = history.stream().anyMatch(ack -> ack.content().equals("DELETED"));
            if (!deleted) {
                expected.put(id, last.content());
            }
        }
        assertThat(lost).as("two acknowledged writes with the same version (lost updates)").isEmpty();
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
