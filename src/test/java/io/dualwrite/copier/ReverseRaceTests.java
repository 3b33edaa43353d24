package io.dualwrite.copier;

import static io.dualwrite.copier.ReverseScenario.NONE;
import static io.dualwrite.copier.ReverseScenario.phase;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Versions;

/**
 * The rollback from READ_NEW_WRITE_NEW racing real writers: four writer threads on two instances create, update,
 * delete and re-create entities the whole time, while the instances go from READ_NEW_WRITE_NEW (a first reverse copy,
 * two workers, one per instance) back to READ_NEW_WRITE_BOTH one after the other, a second reverse copy runs once every
 * instance writes both (again while writing), and the instances go on to READ_OLD_WRITE_BOTH.
 * <p>
 * Two independent records of acknowledged writes: every thread owns a disjoint set of ids and keeps what it was
 * acknowledged for each (an operation that threw keeps both possible outcomes until the next read settles it); and a
 * few hot ids are updated by every thread, each acknowledged write recorded with the version it started from, so that
 * an acknowledged write that did not build on the previous acknowledged one (a lost update) shows. At the end, in
 * READ_OLD_WRITE_BOTH, every id is checked against the records in both instances' reads and in both shapes.
 */
class ReverseRaceTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final int LEGACY = 3_000;

    private static final int WRITERS = 4;

    private static final int HOT = 8;

    private static ConfigurableApplicationContext a;

    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        a = CopierContexts.start("reverse_race", CopierContexts.Process.of(null, null, null,
                "dualwrite.copier.poll-interval=10ms"));
        b = CopierContexts.start("reverse_race", CopierContexts.Process.of(null, null, null,
                "dualwrite.copier.poll-interval=10ms"));
        Fixtures.clear(a);
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @Test
    void writersRacingARollbackFromReadNewWriteNewLoseNothingAndResurrectNothing() throws Exception {
        phase(a, Phase.READ_OLD_WRITE_BOTH);
        phase(b, Phase.READ_OLD_WRITE_BOTH);
        ReverseScenario.collection(a, "people_v1").insertMany(Fixtures.legacyPeople(LEGACY));
        a.getBean(Copier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(500));
        List<String> hot = new ArrayList<>();
        ConcurrentLinkedQueue<Ack> hotAcks = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < HOT; i++) {
            Person saved = ReverseCopierTests.create(a, "hot" + i, "hot" + i + "@init");
            hot.add(saved.getId());
            hotAcks.add(new Ack(saved.getId(), 0L, saved.getVersion(), ReverseScenario.content(saved), "setup"));
        }
        for (Phase phase : List.of(Phase.READ_NEW_WRITE_BOTH, Phase.READ_NEW_WRITE_NEW)) {
            phase(a, phase);
            phase(b, phase);
        }
        Map<String, Set<String>> expected = new ConcurrentHashMap<>();
        for (Person person : ReverseScenario.people(a).findAll()) {
            expected.put(person.getId(), Set.of(ReverseScenario.content(person)));
        }
        hot.forEach(expected::remove);

        List<Writer> writers = new ArrayList<>();
        for (int t = 0; t < WRITERS; t++) {
            List<String> owned = new ArrayList<>();
            for (int i = t; i < LEGACY; i += WRITERS) {
                owned.add(String.format("p%05d", i));
            }
            for (int k = 0; k < 40; k++) {
                owned.add("q" + t + "-" + k);
                expected.put("q" + t + "-" + k, Set.of(NONE));
            }
            writers.add(new Writer(t, t % 2 == 0 ? a : b, owned, expected, hot, hotAcks));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> running = new ArrayList<>();
        for (Writer writer : writers) {
            running.add(pool.submit(() -> writer.run(stop)));
        }
        JobOptions options = JobOptions.defaults().withPartitions(8).withBatchSize(100);

        // READ_NEW_WRITE_NEW: the first reverse copy, one worker per instance, while writing
        awaitProgress(writers, "writers in READ_NEW_WRITE_NEW");
        JobHandle firstA = a.getBean(ReverseCopier.class).start(PEOPLE, options);
        JobHandle firstB = b.getBean(ReverseCopier.class).start(PEOPLE, options);
        assertThat(firstA.await(java.time.Duration.ofSeconds(120))).isTrue();
        assertThat(firstB.await(java.time.Duration.ofSeconds(120))).isTrue();
        JobRun first = firstA.run();
        assertThat(first.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(first.allWritingBothAtStart()).isFalse();
        assertThat(first.count(Counts.DEAD_LETTERED)).isZero();
        int writesDuringFirst = writers.stream().mapToInt(w -> w.acknowledged.get()).sum();

        // back to READ_NEW_WRITE_BOTH, one instance after the other, while writing
        phase(a, Phase.READ_NEW_WRITE_BOTH);
        awaitProgress(writers, "writers with a in READ_NEW_WRITE_BOTH and b in READ_NEW_WRITE_NEW");
        phase(b, Phase.READ_NEW_WRITE_BOTH);
        awaitProgress(writers, "writers in READ_NEW_WRITE_BOTH");

        // the second reverse copy, once every instance writes both, while writing; again until nothing is left (the
        // hot ids, written by every thread all the time, often change between a run's read and its hand-back)
        List<JobRun> handBacks = new ArrayList<>();
        do {
            JobHandle secondA = a.getBean(ReverseCopier.class).start(PEOPLE, options);
            JobHandle secondB = b.getBean(ReverseCopier.class).start(PEOPLE, options);
            assertThat(secondA.await(java.time.Duration.ofSeconds(120))).isTrue();
            assertThat(secondB.await(java.time.Duration.ofSeconds(120))).isTrue();
            JobRun run = secondA.run();
            assertThat(run.allWritingBothAtStart()).as(run.startCondition()).isTrue();
            handBacks.add(run);
        }
        while (!handBacks.get(handBacks.size() - 1).handedEverythingBack() && handBacks.size() < 10);
        JobRun handedBack = handBacks.get(handBacks.size() - 1);
        assertThat(handedBack.handedEverythingBack()).as(handBacks.stream().map(JobReport::summary).toList().toString())
                .isTrue();
        awaitProgress(writers, "writers after the hand-back");

        // READ_OLD_WRITE_BOTH, one instance after the other, while writing
        phase(a, Phase.READ_OLD_WRITE_BOTH);
        awaitProgress(writers, "writers with a in READ_OLD_WRITE_BOTH");
        phase(b, Phase.READ_OLD_WRITE_BOTH);
        awaitProgress(writers, "writers in READ_OLD_WRITE_BOTH");
        stop.set(true);
        for (Future<?> writer : running) {
            writer.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (Writer writer : writers) {
            writer.settle();
        }

        List<String> problems = new ArrayList<>();
        Map<String, String> want = new TreeMap<>();
        expected.forEach((id, states) -> {
            assertThat(states).as("settled state of %s", id).hasSize(1);
            want.put(id, states.iterator().next());
        });
        want.putAll(lastAcknowledged(hot, hotAcks, problems));
        Map<String, Document> olds = raw("people_v1");
        Map<String, Document> news = raw("people_v2");
        for (Map.Entry<String, String> entry : want.entrySet()) {
            String id = entry.getKey();
            String inOld = ReverseScenario.live(olds.get(id), ReverseScenario.OLD_PEOPLE);
            String inNew = ReverseScenario.live(news.get(id), ReverseScenario.NEW_PEOPLE);
            if (!entry.getValue().equals(inOld)) {
                problems.add((entry.getValue().equals(NONE) ? "resurrected " : "lost ") + id + " in old: acknowledged "
                        + entry.getValue() + ", old shape " + inOld);
            }
            if (!entry.getValue().equals(inNew)) {
                problems.add("new shape of " + id + ": acknowledged " + entry.getValue() + ", new shape " + inNew);
            }
        }
        for (ConfigurableApplicationContext instance : List.of(a, b)) {
            Map<String, String> read = new TreeMap<>();
            ReverseScenario.people(instance).findAll().forEach(p -> read.put(p.getId(), ReverseScenario.content(p)));
            want.forEach((id, state) -> {
                String seen = read.getOrDefault(id, NONE);
                if (!seen.equals(state)) {
                    problems.add("read " + id + " as " + seen + " instead of " + state);
                }
            });
        }
        JobRun reverseVerification = a.getBean(ReverseVerifier.class).run(PEOPLE, JobOptions.defaults()
                .withBatchSize(500));
        JobRun verification = a.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(500));

        int acknowledged = writers.stream().mapToInt(w -> w.acknowledged.get()).sum();
        System.out.printf("reverse race: %d legacy documents, %d acknowledged writes (%d by the end of the first "
                + "reverse copy), %d uncertain, %d hot acknowledged; first reverse copy: %s; hand-backs: %s; reverse "
                + "verification: %s; verification: %s; problems %d%n", LEGACY, acknowledged, writesDuringFirst,
                writers.stream().mapToInt(w -> w.uncertain.get()).sum(), hotAcks.size(), JobReport.summary(first),
                handBacks.stream().map(JobReport::summary).toList(), JobReport.summary(reverseVerification),
                JobReport.summary(verification), problems.size());
        assertThat(problems).as("problems").isEmpty();
        assertThat(reverseVerification.isClean()).as(JobReport.summary(reverseVerification)).isTrue();
        assertThat(reverseVerification.newOnly()).isZero();
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(first.count(Counts.COPIED)).as("the first reverse copy wrote old").isPositive();
        assertThat(handBacks.get(0).count(Counts.HANDED_BACK)).as("the second handed entities back").isPositive();
        assertThat(writers.stream().mapToInt(w -> w.deletes.get()).sum()).isPositive();
    }

    /** Waits until every writer acknowledged 15 more writes. */
    private static void awaitProgress(List<Writer> writers, String what) throws InterruptedException {
        Map<Writer, Integer> before = new HashMap<>();
        writers.forEach(w -> before.put(w, w.acknowledged.get()));
        Waiting.until(what, () -> writers.stream().allMatch(w -> w.acknowledged.get() >= before.get(w) + 15));
    }

    /** An acknowledged write of a hot id: the version it started from, the version it wrote, what it wrote. */
    record Ack(String id, long base, long version, String content, String writer) {
    }

    /**
     * Per hot id, the last acknowledged write (the highest write count); a write that did not start from the previous
     * acknowledged one or a later state is a lost update, added to {@code problems}.
     */
    private static Map<String, String> lastAcknowledged(List<String> hot, ConcurrentLinkedQueue<Ack> acks,
            List<String> problems) {
        Map<String, String> last = new TreeMap<>();
        for (String id : hot) {
            List<Ack> history = new ArrayList<>(acks.stream().filter(ack -> ack.id().equals(id)).toList());
            history.sort(Comparator.comparingLong(ack -> Versions.counter(ack.version())));
            for (int i = 1; i < history.size(); i++) {
                Ack previous = history.get(i - 1);
                Ack next = history.get(i);
                if (Versions.counter(next.base()) < Versions.counter(previous.version())) {
                    problems.add("lost update of " + id + ": " + next + " did not see " + previous);
                }
            }
            last.put(id, history.get(history.size() - 1).content());
        }
        return last;
    }

    /** One writer thread on one instance: its own ids with its own record, and updates of the hot ids. */
    private static final class Writer {

        private final int number;

        private final ConfigurableApplicationContext instance;

        private final List<String> owned;

        private final Map<String, Set<String>> expected;

        private final List<String> hot;

        private final ConcurrentLinkedQueue<Ack> hotAcks;

        final AtomicInteger acknowledged = new AtomicInteger();

        final AtomicInteger uncertain = new AtomicInteger();

        final AtomicInteger deletes = new AtomicInteger();

        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

        Writer(int number, ConfigurableApplicationContext instance, List<String> owned,
                Map<String, Set<String>> expected, List<String> hot, ConcurrentLinkedQueue<Ack> hotAcks) {
            this.number = number;
            this.instance = instance;
            this.owned = owned;
            this.expected = expected;
            this.hot = hot;
            this.hotAcks = hotAcks;
        }

        private PersonRepository repository() {
            return instance.getBean(PersonRepository.class);
        }

        void run(AtomicBoolean stop) {
            Random random = new Random(200 + number);
            int op = 0;
            while (!stop.get()) {
                op++;
                try {
                    if (random.nextInt(5) == 0) {
                        updateHot(random, op);
                    }
                    else {
                        writeOwned(owned.get(random.nextInt(owned.size())), random, op);
                    }
                    acknowledged.incrementAndGet();
                }
                catch (RuntimeException ex) {
                    uncertain.incrementAndGet(); // the record keeps both outcomes; the next read settles it
                }
            }
        }

        private void updateHot(Random random, int op) {
            String id = hot.get(random.nextInt(hot.size()));
            Person person = repository().findById(id).orElseThrow();
            long base = person.getVersion();
            person.setEmail(id + "@w" + number + "-" + op);
            person.setAge(op % 100);
            Person saved = repository().save(person);
            hotAcks.add(new Ack(id, base, saved.getVersion(), ReverseScenario.content(saved), "w" + number));
        }

        private void writeOwned(String id, Random random, int op) {
            Optional<Person> current = read(id);
            if (current.isEmpty()) {
                Person created = Person.of("W" + number, "Op" + op, id + "@w" + op, op % 100, "p" + op);
                created.setId(id);
                expected.put(id, Set.of(NONE, pending(created)));
                expected.put(id, Set.of(ReverseScenario.content(repository().save(created))));
            }
            else if (random.nextInt(4) == 0) {
                expected.put(id, Set.of(ReverseScenario.content(current.get()), NONE));
                repository().delete(current.get());
                expected.put(id, Set.of(NONE));
                deletes.incrementAndGet();
            }
            else {
                Person person = current.get();
                String before = ReverseScenario.content(person);
                person.setEmail(id + "@w" + number + "-" + op);
                person.setAge(op % 100);
                person.setPhone(random.nextBoolean() ? null : "ph" + op);
                expected.put(id, Set.of(before, pending(person)));
                expected.put(id, Set.of(ReverseScenario.content(repository().save(person))));
            }
        }

        /** Reads an id and checks it against the record: a write acknowledged earlier must be what is read. */
        private Optional<Person> read(String id) {
            Optional<Person> current = repository().findById(id);
            String seen = current.map(ReverseScenario::content).orElse(NONE);
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

    /** A write not acknowledged yet: its content is known, its version is not. */
    private static String pending(Person person) {
        Person copy = Person.of(person.getFirstName(), person.getLastName(), person.getEmail(), person.getAge(),
                person.getPhone());
        return ReverseScenario.content(copy).replace("|vnull", "|v?");
    }

    private static boolean matches(String state, String seen) {
        return state.endsWith("|v?") ? seen.startsWith(state.substring(0, state.length() - 1)) : state.equals(seen);
    }

    private static Map<String, Document> raw(String collection) {
        Map<String, Document> documents = new HashMap<>();
        for (Document document : ReverseScenario.collection(a, collection).find()) {
            documents.put(document.getString("_id"), document);
        }
        return documents;
    }
}
