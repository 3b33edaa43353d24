package io.dualwrite.repair;

import static io.dualwrite.repair.RepairContexts.block;
import static io.dualwrite.repair.RepairContexts.collection;
import static io.dualwrite.repair.RepairContexts.phase;
import static io.dualwrite.repair.RepairContexts.unblock;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.Versions;
import io.dualwrite.support.MutableClock;

/**
 * A writer thread updates, deletes and re-creates entities in {@code READ_OLD_WRITE_BOTH} while two repair threads
 * (in two processes) repair without pause; about a third of the writes carry a value the new shape refuses while the
 * writer keeps a conflicting document there, so their second write fails and is recorded. The writer removes and
 * puts back those conflicting documents as it goes, so the repairers' copies land while it writes the same entities.
 * The writer keeps its own record of every write acknowledged to it. At the end,
 * once the conflicts are gone and one last repair ran, both shapes hold exactly the last acknowledged write of every
 * entity, deleted entities stay deleted, nothing is left unrepaired and the verification is clean.
 */
class RepairRaceTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final int ENTITIES = 20;

    private static final int OPERATIONS = 400;

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext writerInstance;

    private static ConfigurableApplicationContext otherInstance;

    @BeforeAll
    static void start() {
        writerInstance = RepairContexts.start("repair_race", clock);
        otherInstance = RepairContexts.start("repair_race", clock);
        Fixtures.clear(writerInstance);
        phase(writerInstance, Phase.READ_OLD_WRITE_BOTH);
        phase(otherInstance, Phase.READ_OLD_WRITE_BOTH);
    }

    @AfterAll
    static void stop() {
        writerInstance.close();
        otherInstance.close();
    }

    @Test
    void repairsRacingAWriterLoseNothingAndResurrectNothing() throws Exception {
        PersonRepository people = writerInstance.getBean(PersonRepository.class);
        /* the writer's record: id -> last acknowledged write, empty once deleted */
        Map<String, Optional<Person>> acknowledged = new LinkedHashMap<>();
        Set<String> blocked = new HashSet<>();
        for (int i = 0; i < ENTITIES; i++) {
            String id = String.format("p%02d", i);
            block(writerInstance, "people_v2", "email", taken(id));
            blocked.add(id);
            acknowledged.put(id, Optional.of(people.save(person(id, "first-" + id + "@x"))));
        }

        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        List<Future<long[]>> repairers = new ArrayList<>();
        for (ConfigurableApplicationContext instance : List.of(writerInstance, otherInstance)) {
            Repairs repairs = instance.getBean(Repairs.class);
            repairers.add(threads.submit(() -> {
                long passes = 0;
                long repaired = 0;
                while (writing.get()) {
                    repaired += repairs.repairNow(PEOPLE).repaired();
                    passes++;
                }
                return new long[] { passes, repaired };
            }));
        }
        Future<Integer> writer = threads.submit(() -> {
            try {
                return write(people, acknowledged, blocked);
            }
            finally {
                writing.set(false);
            }
        });
        int refusedWrites = writer.get(120, TimeUnit.SECONDS);
        long passes = 0;
        for (Future<long[]> repairer : repairers) {
            passes += repairer.get(60, TimeUnit.SECONDS)[0];
        }
        threads.shutdown();

        assertThat(refusedWrites).as("writes whose second write the new shape refused").isGreaterThan(30);
        assertThat(collection(writerInstance, "dualwrite_repairs").countDocuments())
                .as("one record per refused second write").isEqualTo(refusedWrites);
        assertThat(passes).as("repair passes during the writes").isPositive();

        for (String id : acknowledged.keySet()) {
            unblock(writerInstance, "people_v2", taken(id));
        }
        RepairReport last = writerInstance.getBean(Repairs.class).repairNow(PEOPLE);
        assertThat(last.failed()).as(last.summary()).isZero();
        assertThat(last.remaining()).as(last.summary()).isZero();

        for (Map.Entry<String, Optional<Person>> entry : acknowledged.entrySet()) {
            assertShapesHold(entry.getKey(), entry.getValue());
        }
        JobRun verification = writerInstance.getBean(Verifier.class).run(PEOPLE,
                JobOptions.defaults().withPartitions(1));
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
    }

    /**
     * Updates (a third of them with the value the new shape refuses while {@code blocked}), deletes and re-creates,
     * on one thread; now and then removes or puts back the document that blocks an entity's value. Records every
     * acknowledged write and checks it follows the previous acknowledged write of the entity.
     *
     * @return how many acknowledged writes the new shape refused
     */
    private static int write(PersonRepository people, Map<String, Optional<Person>> acknowledged,
            Set<String> blocked) {
        Random random = new Random(20261121L);
        List<String> ids = new ArrayList<>(acknowledged.keySet());
        int refused = 0;
        for (int step = 0; step < OPERATIONS; step++) {
            if (random.nextInt(8) == 0) {
                String toggled = ids.get(random.nextInt(ids.size()));
                if (blocked.remove(toggled)) {
                    unblock(writerInstance, "people_v2", taken(toggled));
                }
                else if (tryBlock(toggled)) {
                    blocked.add(toggled);
                }
            }
            String id = ids.get(random.nextInt(ids.size()));
            Optional<Person> last = acknowledged.get(id);
            boolean takenValue = random.nextInt(3) == 0;
            String email = takenValue ? taken(id) : "w" + step + "@x";
            boolean refuse = takenValue && blocked.contains(id);
            if (last.isEmpty()) {
                Person created = people.save(person(id, email));
                acknowledged.put(id, Optional.of(created));
                refused += refuse ? 1 : 0;
            }
            else if (random.nextInt(6) == 0) {
                people.deleteById(id);
                acknowledged.put(id, Optional.empty());
            }
            else {
                Person current = people.findById(id).orElseThrow();
                assertThat(current.getVersion()).as("%s reads its last acknowledged write", id)
                        .isEqualTo(last.get().getVersion());
                current.setEmail(email);
                current.setAge(step % 90);
                Person saved = people.save(current);
                assertThat(Versions.counter(saved.getVersion()))
                        .isEqualTo(Versions.counter(last.get().getVersion()) + 1);
                acknowledged.put(id, Optional.of(saved));
                refused += refuse ? 1 : 0;
            }
        }
        return refused;
    }

    private static void assertShapesHold(String id, Optional<Person> expected) {
        Document old = collection(writerInstance, "people_v1").find(Filters.eq("_id", id)).first();
        Document current = collection(writerInstance, "people_v2").find(Filters.eq("_id", id)).first();
        if (expected.isEmpty()) {
            assertThat(old == null || Bookkeeping.isTombstone(old)).as("%s deleted in old: %s", id, old).isTrue();
            assertThat(current == null || Bookkeeping.isTombstone(current)).as("%s deleted in new: %s", id, current)
                    .isTrue();
            for (Phase phase : Phase.values()) {
                phase(otherInstance, phase);
                assertThat(otherInstance.getBean(PersonRepository.class).findById(id)).as("%s in %s", id, phase)
                        .isEmpty();
            }
            phase(otherInstance, Phase.READ_OLD_WRITE_BOTH);
            return;
        }
        Person acknowledged = expected.get();
        Person fromOld = new OldPersonMapping<>(Person::new).fromDocument(old);
        Person fromNew = new NewPersonMapping<>(Person::new).fromDocument(current);
        fromOld.setId(id);
        fromNew.setId(id);
        assertThat(fromOld.sameContent(acknowledged)).as("old %s holds %s", old, acknowledged).isTrue();
        assertThat(fromNew.sameContent(acknowledged)).as("new %s holds %s", current, acknowledged).isTrue();
        assertThat(old.getLong("version")).isEqualTo(acknowledged.getVersion());
        assertThat(current.getLong("version")).as("new %s", current).isEqualTo(acknowledged.getVersion());
    }

    /** Puts the blocking document back, unless the entity itself holds the value in the new shape by now. */
    private static boolean tryBlock(String id) {
        try {
            block(writerInstance, "people_v2", "email", taken(id));
            return true;
        }
        catch (MongoWriteException ex) {
            assertThat(ex.getError().getCategory()).isEqualTo(ErrorCategory.DUPLICATE_KEY);
            return false;
        }
    }

    private static Person person(String id, String email) {
        Person person = Person.of("F-" + id, "L-" + id, email, 30, "555-" + id);
        person.setId(id);
        return person;
    }

    private static String taken(String id) {
        return "taken-" + id + "@x";
    }
}
