package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.support.MutableClock;

/**
 * The copier racing real writers (DESIGN invariants 1–3 under concurrency): four writer threads on two instances
 * (three in READ_OLD_WRITE_BOTH, one in READ_NEW_WRITE_BOTH) create, update, delete and re-create entities while two
 * copier workers (one per instance) copy 6,000 legacy documents; one worker is killed mid-run holding its partition,
 * restarted with a new start, and its partition taken over once the injected clock passes the lease TTL.
 * <p>
 * Every writer thread owns a disjoint set of ids, so the expected final state of every id is exact: each thread keeps
 * an independent record of what it was acknowledged (an operation that threw is recorded with both possible
 * outcomes). At the end every id is checked against that record in the new shape, in both instances' reads and
 * against the old shape.
 */
class CopierRaceTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final int LEGACY = 6_000;

    private static final int OLD_WRITERS = 3;

    private static final String NONE = "NONE";

    private static final Duration LEASE_TTL = Duration.ofSeconds(30);

    private static final MutableClock clock = new MutableClock();

    private static final RecordingListener listenerA = new RecordingListener();

    private static final RecordingListener listenerB = new RecordingListener();

    private static final OldPersonMapping<Person> OLD_MAPPING = new OldPersonMapping<>(Person::new);

    private static final NewPersonMapping<Person> NEW_MAPPING = new NewPersonMapping<>(Person::new);

    /** Instance in READ_OLD_WRITE_BOTH; copier process a. */
    private static ConfigurableApplicationContext a;

    /** Instance in READ_NEW_WRITE_BOTH; copier process b. */
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        String[] properties = { "dualwrite.copier.poll-interval=10ms", "dualwrite.copier.lease-ttl=30s" };
        a = CopierContexts.start("copier_race", CopierContexts.Process.of(clock, new CountingSleeper(), listenerA,
                properties));
        b = CopierContexts.start("copier_race", CopierContexts.Process.of(clock, new CountingSleeper(), listenerB,
                properties));
        Fixtures.clear(a);
        a.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
        b.getBean(SettablePhaseSource.class).setAll(Phase.READ_NEW_WRITE_BOTH);
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @Test
    void writersRacingAKilledAndRestartedCopierLoseNothingAndResurrectNothing() throws Exception {
        List<Document> legacy = new ArrayList<>();
        Map<String, Set<String>> expected = new ConcurrentHashMap<>();
        for (int i = 0; i < LEGACY; i++) {
            Document document = CopierTests.legacy(i);
            legacy.add(document);
            Person person = OLD_MAPPING.fromDocument(document);
            person.setId(document.getString("_id"));
            person.setVersion(0L);
            expected.put(person.getId(), Set.of(content(person)));
        }
        Fixtures.database(a).getCollection("people_v1").insertMany(legacy);

        // writers: thread t < 3 owns legacy ids i % 3 == t and fresh ids q<t>-k; thread 3 (reading new) fresh ids only
        List<Writer> writers = new ArrayList<>();
        for (int t = 0; t <= OLD_WRITERS; t++) {
            List<String> owned = new ArrayList<>();
            if (t < OLD_WRITERS) {
                for (int i = t; i < LEGACY; i += OLD_WRITERS) {
                    owned.add(String.format("p%05d", i));
                }
            }
            for (int k = 0; k < (t < OLD_WRITERS ? 30 : 90); k++) {
                String id = "q" + t + "-" + k;
                owned.add(id);
                expected.put(id, Set.of(NONE));
            }
            writers.add(new Writer(t, t < OLD_WRITERS ? a : b, owned, expected));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        List<Future<?>> running = new ArrayList<>();
        for (Writer writer : writers) {
            running.add(pool.submit(() -> writer.run(stop)));
        }
        Waiting.until("writers under way", () -> writers.stream().allMatch(w -> w.acknowledged.get() >= 20));

        // two copier workers, one per process; a's worker is killed after its 3rd batch, holding its partition
        JobOptions options = JobOptions.defaults().withWorkers(1).withPartitions(8).withBatchSize(100);
        AtomicBoolean killed = new AtomicBoolean();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 3 && killed.compareAndSet(false, true)) {
                throw new RecordingListener.SimulatedCrash(worker);
            }
        };
        Copier copierA = a.getBean(Copier.class);
        int writesBeforeCopy = writers.stream().mapToInt(w -> w.acknowledged.get()).sum();
        JobHandle first = copierA.start(PEOPLE, options);
        JobHandle handleB = b.getBean(Copier.class).start(PEOPLE, options);
        assertThat(first.await(Duration.ofSeconds(60))).as("a's worker died").isTrue();
        assertThat(killed).isTrue();
        String dead = listenerA.read.get(0).worker();
        JobHandle restarted = copierA.start(PEOPLE, options);
        assertThat(restarted.runId()).isEqualTo(first.runId());
        clock.advance(LEASE_TTL.plusSeconds(1));
        assertThat(restarted.await(Duration.ofSeconds(60))).isTrue();
        assertThat(handleB.await(Duration.ofSeconds(60))).isTrue();
        int writesDuringCopy = writers.stream().mapToInt(w -> w.acknowledged.get()).sum() - writesBeforeCopy;

        stop.set(true);
        for (Future<?> writer : running) {
            writer.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        JobRun run = restarted.run();
        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.count(Counts.DEAD_LETTERED)).isZero();
        List<RecordingListener.Leased> takeovers = new ArrayList<>(listenerA.leased);
        takeovers.addAll(listenerB.leased);
        assertThat(takeovers).as("the dead worker's partition was taken over")
                .anyMatch(lease -> dead.equals(lease.previousOwner()));

        // each writer resolves what is still uncertain by reading its ids once more, as a client would
        for (Writer writer : writers) {
            writer.settle();
        }
        Map<String, String> want = new TreeMap<>();
        expected.forEach((id, states) -> {
            assertThat(states).as("settled state of %s", id).hasSize(1);
            String state = states.iterator().next();
            if (!state.equals(NONE)) {
                want.put(id, state);
            }
        });

        Map<String, Document> olds = raw("people_v1");
        Map<String, Document> news = raw("people_v2");
        int lost = 0;
        int resurrected = 0;
        int divergent = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Set<String>> entry : new TreeMap<>(expected).entrySet()) {
            String id = entry.getKey();
            String state = entry.getValue().iterator().next();
            String inNew = live(news.get(id), NEW_MAPPING);
            String inOld = live(olds.get(id), OLD_MAPPING);
            if (state.equals(NONE)) {
                if (!inNew.equals(NONE)) {
                    resurrected++;
                    problems.add("resurrected " + id + " in new: " + inNew);
                }
            }
            else if (!state.equals(inNew)) {
                lost++;
                problems.add("lost " + id + ": acknowledged " + state + ", new shape " + inNew);
            }
            if (!inOld.equals(inNew)) {
                divergent++;
                problems.add("divergent " + id + ": old " + inOld + ", new " + inNew);
            }
        }
        Map<String, String> readA = readAll(a);
        Map<String, String> readB = readAll(b);
        for (Map<String, String> read : List.of(readA, readB)) {
            for (Map.Entry<String, String> entry : read.entrySet()) {
                if (!want.containsKey(entry.getKey())) {
                    resurrected++;
                    problems.add("read back after delete: " + entry);
                }
                else if (!entry.getValue().equals(want.get(entry.getKey()))) {
                    lost++;
                    problems.add("read " + entry + " instead of " + want.get(entry.getKey()));
                }
            }
            for (String id : want.keySet()) {
                if (!read.containsKey(id)) {
                    lost++;
                    problems.add("not read: " + id);
                }
            }
        }
        JobRun verification = a.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(500));
        divergent += (int) verification.differences();

        int acknowledged = writers.stream().mapToInt(w -> w.acknowledged.get()).sum();
        int uncertain = writers.stream().mapToInt(w -> w.uncertain.get()).sum();
        int deletes = writers.stream().mapToInt(w -> w.deletes.get()).sum();
        int creates = writers.stream().mapToInt(w -> w.creates.get()).sum();
        System.out.printf("copier race: %d legacy documents, %d acknowledged writes (%d while copying; %d creates, %d "
                + "deletes), %d uncertain; copy: %s; verification: %s; lost updates %d, resurrected %d, divergent "
                + "%d%n", LEGACY, acknowledged, writesDuringCopy, creates, deletes, uncertain, JobReport.summary(run),
                JobReport.summary(verification), lost, resurrected, divergent);
        assertThat(problems).as("problems").isEmpty();
        assertThat(lost).as("lost updates").isZero();
        assertThat(resurrected).as("resurrected").isZero();
        assertThat(divergent).as("divergent").isZero();
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(writers.get(OLD_WRITERS).acknowledged.get()).as("the read-new writer wrote").isPositive();
        assertThat(deletes).isPositive();
        assertThat(writesDuringCopy).as("writes while the copier ran").isGreaterThan(100);
    }

    /** One writer thread on one instance, owning its ids exclusively, with its own record of acknowledged writes. */
    private static final class Writer {

        private final int number;

        private final ConfigurableApplicationContext instance;

        private final List<String> owned;

        private final Map<String, Set<String>> expected;

        private final List<String> hot;

        final AtomicInteger acknowledged = new AtomicInteger();

        final AtomicInteger uncertain = new AtomicInteger();

        final AtomicInteger deletes = new AtomicInteger();

        final AtomicInteger creates = new AtomicInteger();

        private final List<String> violations = new ArrayList<>();

        Writer(int number, ConfigurableApplicationContext instance, List<String> owned,
                Map<String, Set<String>> expected) {
            this.number = number;
            this.instance = instance;
            this.owned = owned;
            this.expected = expected;
            Random random = new Random(number);
            this.hot = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                hot.add(owned.get(random.nextInt(owned.size())));
            }
        }

        private PersonRepository repository() {
            return instance.getBean(PersonRepository.class);
        }

        void run(AtomicBoolean stop) {
            Random random = new Random(100 + number);
            int op = 0;
            while (!stop.get() || op < 300) {
                op++;
                String id = random.nextBoolean() ? hot.get(random.nextInt(hot.size()))
                        : owned.get(random.nextInt(owned.size()));
                Optional<Person> current = read(id);
                try {
                    if (current.isEmpty()) {
                        Person created = Person.of("W" + number, "Op" + op, id + "@w" + op, op % 100, "p" + op);
                        created.setId(id);
                        expected.put(id, Set.of(NONE, pending(created)));
                        Person saved = repository().save(created);
                        expected.put(id, Set.of(content(saved)));
                        creates.incrementAndGet();
                    }
                    else if (random.nextInt(4) == 0) {
                        Person person = current.get();
                        expected.put(id, Set.of(content(person), NONE));
                        repository().delete(person);
                        expected.put(id, Set.of(NONE));
                        deletes.incrementAndGet();
                    }
                    else {
                        Person person = current.get();
                        String before = content(person);
                        person.setEmail(id + "@w" + number + "-" + op);
                        person.setAge(op % 100);
                        person.setPhone(random.nextBoolean() ? null : "ph" + op);
                        expected.put(id, Set.of(before, pending(person)));
                        Person saved = repository().save(person);
                        expected.put(id, Set.of(content(saved)));
                    }
                    acknowledged.incrementAndGet();
                }
                catch (RuntimeException ex) {
                    uncertain.incrementAndGet(); // the record keeps both outcomes; the next read settles it
                }
            }
            assertThat(violations).as("reads by writer %d", number).isEmpty();
        }

        /** Reads an id and checks it against the record: a write acknowledged earlier must be what is read. */
        private Optional<Person> read(String id) {
            Optional<Person> current = repository().findById(id);
            String seen = current.map(CopierRaceTests::content).orElse(NONE);
            Set<String> possible = expected.get(id);
            if (possible.stream().noneMatch(state -> matches(state, seen))) {
                violations.add(id + ": read " + seen + ", expected one of " + possible);
            }
            expected.put(id, Set.of(seen));
            return current;
        }

        void settle() {
            for (String id : owned) {
                if (expected.get(id).size() > 1) {
                    read(id);
                }
            }
            assertThat(violations).as("reads by writer %d", number).isEmpty();
        }
    }

    private static String content(Person person) {
        return person.getFirstName() + "|" + person.getLastName() + "|" + person.getEmail() + "|" + person.getAge()
                + "|" + person.getPhone() + "|v" + person.getVersion();
    }

    /** A write not acknowledged yet: its content is known, its version is not. */
    private static String pending(Person person) {
        Person copy = Person.of(person.getFirstName(), person.getLastName(), person.getEmail(), person.getAge(),
                person.getPhone());
        return content(copy).replace("|vnull", "|v?");
    }

    private static boolean matches(String state, String seen) {
        return state.endsWith("|v?") ? seen.startsWith(state.substring(0, state.length() - 1)) : state.equals(seen);
    }

    private static String live(Document document, io.dualwrite.spi.DocumentMapping<Person> mapping) {
        if (document == null || Bookkeeping.isTombstone(document)) {
            return NONE;
        }
        Person person = mapping.fromDocument(document);
        person.setVersion(Bookkeeping.version(document, "version"));
        return content(person);
    }

    private static Map<String, Document> raw(String collection) {
        Map<String, Document> documents = new HashMap<>();
        for (Document document : Fixtures.database(a).getCollection(collection).find()) {
            documents.put(document.getString("_id"), document);
        }
        return documents;
    }

    private static Map<String, String> readAll(ConfigurableApplicationContext instance) {
        Map<String, String> read = new TreeMap<>();
        instance.getBean(PersonRepository.class).findAll().forEach(p -> read.put(p.getId(), content(p)));
        return read;
    }
}
