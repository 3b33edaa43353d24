package io.dualwrite.repair;

import static io.dualwrite.repair.RepairContexts.block;
import static io.dualwrite.repair.RepairContexts.collection;
import static io.dualwrite.repair.RepairContexts.unblock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Date;
import java.util.List;
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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.OptimisticLockingFailureException;

import com.mongodb.client.model.Filters;

import io.dualwrite.IncompleteWriteException;
import io.dualwrite.Phase;
import io.dualwrite.copier.Counts;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobListener;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceHeartbeat;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.support.MutableClock;

/**
 * The repair job under the reverse protocol ({@code _dwNewOnly}), in deterministic interleavings: writers held between
 * the two writes of a dual write, a new-only write placed exactly between the repair's read and its write
 * ({@link RepairHooks}), a reverse copy held between its write to old and its hand-back. Two application contexts on
 * one database are two instances: {@code writeBoth} (in {@code READ_NEW_WRITE_BOTH}; it runs the repairs and the
 * reverse copies) and {@code newOnly} (in {@code READ_NEW_WRITE_NEW} unless a test moves it). The rules proven here:
 * <ul>
 * <li>a new &rarr; old repair of an entity the new shape decides for writes old <em>marked</em>, on new's behalf, as
 * the failed write would have: otherwise a claim on old succeeds again and a writer whose claim was overwritten is
 * acknowledged for a write nobody built on (a lost update);</li>
 * <li>its delete re-check leaves a marked tombstone when new's tombstone is marked, so a re-creation goes through
 * new;</li>
 * <li>a repair never writes over the same write count, so it neither overwrites a refused claim's leftover nor
 * interferes with a reverse copy that is handing the entity back; it never removes a mark from old and never touches
 * the source, so it never hands an entity back;</li>
 * <li>an old &rarr; new repair completes a claim on old that succeeded (over a marked new document of a lower write
 * count, as the writer's own second write does), and never brings over a claim that lost to a new-only write.</li>
 * </ul>
 */
class RepairReverseProtocolTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final MutableClock clock = new MutableClock();

    private static final BatchHook listener = new BatchHook();

    private static ConfigurableApplicationContext writeBoth;

    private static ConfigurableApplicationContext newOnly;

    private static Repairs repairs;

    @BeforeAll
    static void start() {
        writeBoth = RepairContexts.start("repair_reverse", clock, listener);
        newOnly = RepairContexts.start("repair_reverse", clock);
        repairs = writeBoth.getBean(Repairs.class);
    }

    @AfterAll
    static void stop() {
        writeBoth.close();
        newOnly.close();
    }

    @BeforeEach
    void phases() {
        Fixtures.clear(writeBoth);
        RepairHooks.clear();
        listener.action = null;
        phase(writeBoth, Phase.READ_NEW_WRITE_BOTH);
        phase(newOnly, Phase.READ_NEW_WRITE_NEW);
    }

    @AfterEach
    void clearHooks() {
        RepairHooks.clear();
        listener.action = null;
    }

    // ------------------------------------------------------------------ new -> old: on new's behalf

    /**
     * ReverseProtocolTests' lost update, with the repair in the place of the write that keeps old up to date: writer Y
     * claims old and is held before new; a new-only write lands; a write-both write goes through new, and its write to
     * old fails (recorded, shape old). The repair completes that write to old over Y's claim. Written unmarked, old
     * would be claimable again: the next write-both write claims old, writes new unmarked over the marked document,
     * and Y, finding neither its claim nor a mark, is acknowledged as "superseded" though no write built on it. Written
     * marked, the next write goes through new, and Y is refused.
     */
    @Test
    void aNewToOldRepairWritesOldOnNewsBehalfSoAHeldWriterIsRefusedNotLost() throws Exception {
        String id = seed("p1");
        Held held = new Held("people_v2", update(writeBoth, id, p -> p.setAge(99)));
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        block(writeBoth, "people_v1", "mail", "z@through-new");
        Person throughNew = (Person) update(writeBoth, id, p -> p.setEmail("z@through-new")).call();
        assertThat(repairs.pending(PEOPLE, 10)).singleElement().extracting(RepairRecord::shape).isEqualTo("old");
        unblock(writeBoth, "people_v1", "z@through-new");

        assertThat(repairs.repairNow(PEOPLE).repaired()).isEqualTo(1);

        Document old = raw("people_v1", id);
        assertThat(old.get("version")).as("the repair overwrote Y's claim").isEqualTo(throughNew.getVersion());
        assertThat(Bookkeeping.isNewOnly(old)).as("written on new's behalf").isTrue();
        Person last = (Person) update(writeBoth, id, p -> p.setEmail("w@after")).call();
        assertThat(Bookkeeping.isNewOnly(raw("people_v2", id))).as("the last write went through new").isTrue();
        Object outcome = held.outcome();

        assertThat(outcome).as("Y was overtaken by writes that did not build on it: acknowledged, it would be lost")
                .isInstanceOf(OptimisticLockingFailureException.class);
        for (ConfigurableApplicationContext reader : List.of(writeBoth, newOnly)) {
            Person read = people(reader).findById(id).orElseThrow();
            assertThat(read.getEmail()).isEqualTo("w@after");
            assertThat(read.getAge()).as("Y's change is nowhere").isEqualTo(30);
            assertThat(read.getVersion()).isEqualTo(last.getVersion());
        }
        rollBackToReadOld();
        assertReadsInOld(last);
    }

    /**
     * A new-only delete lands exactly between a new &rarr; old repair's read and its write: the repair's copy is
     * withdrawn by its re-check, with a tombstone as marked as new's, so a write-both re-creation of the id still goes
     * through new (new decides whether the id is free) instead of claiming old.
     */
    @Test
    void aNewOnlyDeleteBetweenANewToOldRepairsReadAndWriteLeavesAMarkedTombstone() throws Exception {
        String id = seed("p1");
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        block(writeBoth, "people_v1", "mail", "z@through-new");
        update(writeBoth, id, p -> p.setEmail("z@through-new")).call();
        unblock(writeBoth, "people_v1", "z@through-new");
        RepairHooks.beforeWriting("people_v1", () -> people(newOnly).deleteById(id));

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(RepairHooks.pending()).as("the delete ran between the repair's read and write").isFalse();
        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("deleted-meanwhile");
        Document old = raw("people_v1", id);
        assertThat(Bookkeeping.isTombstone(old)).as("%s", old).isTrue();
        assertThat(Bookkeeping.isNewOnly(old)).as("a delete new decided, on new's behalf: %s", old).isTrue();
        assertThat(old.get("version")).isEqualTo(raw("people_v2", id).get("version"));

        Person again = Person.of("Ada", "Again", "ada@again", 37, null);
        again.setId(id);
        Person created = people(writeBoth).save(again);

        assertThat(Bookkeeping.isNewOnly(raw("people_v2", id))).as("created through new").isTrue();
        assertThat(Bookkeeping.isNewOnly(raw("people_v1", id))).isTrue();
        assertThat(people(newOnly).findById(id)).get().extracting(Person::getEmail).isEqualTo("ada@again");
        rollBackToReadOld();
        assertReadsInOld(created);
    }

    /**
     * A hand-back run has written old unmarked and is held before it removes the mark from new; a repair of a write to
     * old that failed earlier (same entity, same write) runs in that window. It must leave the copy alone — written
     * over the same write count on new's behalf it would re-mark old just before the copy unmarks new, and every
     * later write of the entity would be refused — and it must not hand anything back itself. The hand-back then
     * completes and old decides.
     */
    @Test
    void aRepairBetweenAHandBacksWriteToOldAndItsUnmarkLeavesTheHandBackAlone() throws Exception {
        String id = seed("p1");
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        block(writeBoth, "people_v1", "mail", "z@through-new");
        Person throughNew = (Person) update(writeBoth, id, p -> p.setEmail("z@through-new")).call();
        unblock(writeBoth, "people_v1", "z@through-new");
        phase(newOnly, Phase.READ_NEW_WRITE_BOTH);
        HeldHandBack handBack = HeldHandBack.start();
        assertThat(raw("people_v1", id).get("version")).isEqualTo(throughNew.getVersion());
        assertThat(Bookkeeping.isNewOnly(raw("people_v1", id))).as("written unmarked, to be handed back").isFalse();

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("already-current");
        assertThat(Bookkeeping.isNewOnly(raw("people_v1", id))).as("the repair left the hand-back's copy").isFalse();
        assertThat(Bookkeeping.isNewOnly(raw("people_v2", id))).as("and handed nothing back itself").isTrue();
        JobRun run = handBack.finish();
        assertThat(run.count(Counts.HANDED_BACK)).isEqualTo(1);
        assertThat(run.handedEverythingBack()).as(JobReport.summary(run)).isTrue();
        phase(writeBoth, Phase.READ_OLD_WRITE_BOTH);
        phase(newOnly, Phase.READ_OLD_WRITE_BOTH);
        Person after = (Person) update(newOnly, id, p -> p.setAge(44)).call();
        assertReadsInOld(after);
    }

    /** A repair never removes a mark from old: an unmarked source does not replace a marked old document. */
    @Test
    void aRepairNeverRemovesAMarkFromOld() throws Exception {
        String id = seed("p1");
        Person current = (Person) update(writeBoth, id, p -> p.setEmail("current@x")).call();
        // a state no interleaving is known to leave, made by hand: old marked, at an older write than new unmarked
        Document stale = new Document(raw("people_v1", id)).append("version", 1L).append("mail", "stale@x")
                .append(Bookkeeping.NEW_ONLY, true);
        collection(writeBoth, "people_v1").replaceOne(Filters.eq("_id", id), stale);
        record(id, "old", current.getVersion());

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.failed()).isEqualTo(1);
        assertThat(repairs.pending(PEOPLE, 1)).singleElement().satisfies(record -> assertThat(record.lastError())
                .contains("_dwNewOnly").contains("reverse copy"));
        assertThat(raw("people_v1", id)).isEqualTo(stale);
    }

    // ------------------------------------------------------------------ old -> new

    /**
     * Writer A claims old and fails on new (a unique index); a new-only write of the same step lands on new, so A's
     * claim in old is a leftover the protocol refuses. The repair of A's record finds new holding that write count and
     * leaves it: A's claim never reaches new, and the reverse copy replaces it in old on the way back.
     */
    @Test
    void anOldToNewRepairDoesNotBringOverAClaimThatLostToANewOnlyWrite() throws Exception {
        String id = seed("p1");
        block(writeBoth, "people_v2", "email", "a@claim");
        Object failed = attempt(update(writeBoth, id, p -> p.setEmail("a@claim")));
        assertThat(failed).isInstanceOf(IncompleteWriteException.class);
        unblock(writeBoth, "people_v2", "a@claim");
        Person won = (Person) update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        assertThat(raw("people_v1", id).getString("mail")).as("A's claim is in old").isEqualTo("a@claim");

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("already-current");
        Document current = raw("people_v2", id);
        assertThat(current.getString("email")).isEqualTo("n@new-only");
        assertThat(current.get("version")).isEqualTo(won.getVersion());
        assertThat(Bookkeeping.isNewOnly(current)).isTrue();
        rollBackToReadOld();
        assertReadsInOld(won);
    }

    /**
     * While a hand-back run is held between its write to old and its unmark, old and new hold the same write, old
     * unmarked: writer A claims old (as it may), and its write to new fails. The repair completes A's write over new's
     * marked document of a lower write count, as A's own second write would have; the hand-back's unmark then finds
     * another version and does nothing, and the entity is an ordinary one, read in {@code READ_OLD_WRITE_BOTH}.
     */
    @Test
    void anOldToNewRepairCompletesAClaimOldAcceptedOverAMarkedNewDocument() throws Exception {
        String id = seed("p1");
        update(newOnly, id, p -> p.setEmail("n@new-only")).call();
        phase(newOnly, Phase.READ_NEW_WRITE_BOTH);
        HeldHandBack handBack = HeldHandBack.start();
        block(writeBoth, "people_v2", "email", "a@claim");
        Object failed = attempt(update(writeBoth, id, p -> p.setEmail("a@claim")));
        assertThat(failed).isInstanceOf(IncompleteWriteException.class);
        unblock(writeBoth, "people_v2", "a@claim");
        long claimed = raw("people_v1", id).getLong("version"); // A's claim

        RepairReport report = repairs.repairNow(PEOPLE);

        assertThat(report.repaired()).isEqualTo(1);
        assertThat(repairs.recent(PEOPLE, 1).get(0).resolution()).isEqualTo("copied");
        Document current = raw("people_v2", id);
        assertThat(current.get("version")).isEqualTo(claimed);
        assertThat(current.getString("email")).isEqualTo("a@claim");
        assertThat(Bookkeeping.isNewOnly(current)).isFalse();
        JobRun run = handBack.finish();
        assertThat(run.count(Counts.HANDED_BACK)).as("nothing left to hand back").isZero();
        assertThat(run.handedEverythingBack()).as(JobReport.summary(run)).isTrue();
        phase(writeBoth, Phase.READ_OLD_WRITE_BOTH);
        phase(newOnly, Phase.READ_OLD_WRITE_BOTH);
        Person read = people(newOnly).findById(id).orElseThrow();
        assertThat(read.getEmail()).isEqualTo("a@claim");
        assertThat(read.getVersion()).isEqualTo(claimed);
        assertReadsInOld(read);
    }

    // ------------------------------------------------------------------ helpers

    /** An entity written by the write-both instance (both shapes, unmarked), age 30. */
    private static String seed(String id) {
        Person person = Person.of("Ada", "Lovelace", id + "@v0", 30, null);
        person.setId(id);
        return people(writeBoth).save(person).getId();
    }

    /**
     * The rest of the runbook: every instance in READ_NEW_WRITE_BOTH, a reverse copy that hands everything back and a
     * clean reverse verification, then every instance in READ_OLD_WRITE_BOTH.
     */
    private static void rollBackToReadOld() throws InterruptedException {
        phase(writeBoth, Phase.READ_NEW_WRITE_BOTH);
        phase(newOnly, Phase.READ_NEW_WRITE_BOTH);
        JobRun handBack = writeBoth.getBean(ReverseCopier.class).run(PEOPLE, options());
        assertThat(handBack.handedEverythingBack()).as(JobReport.summary(handBack)).isTrue();
        JobRun verification = writeBoth.getBean(ReverseVerifier.class).run(PEOPLE, options());
        assertThat(verification.isClean()).as(JobReport.summary(verification) + " " + verification.examples())
                .isTrue();
        assertThat(verification.newOnly()).isZero();
        phase(writeBoth, Phase.READ_OLD_WRITE_BOTH);
        phase(newOnly, Phase.READ_OLD_WRITE_BOTH);
    }

    /** Both instances read exactly this write, and the raw old shape holds it, unmarked. */
    private static void assertReadsInOld(Person expected) {
        for (ConfigurableApplicationContext instance : List.of(writeBoth, newOnly)) {
            Person read = people(instance).findById(expected.getId()).orElseThrow();
            assertThat(read.sameContent(expected)).as("%s reads %s", read, expected).isTrue();
            assertThat(read.getVersion()).isEqualTo(expected.getVersion());
        }
        Document old = raw("people_v1", expected.getId());
        assertThat(old.get("version")).isEqualTo(expected.getVersion());
        assertThat(Bookkeeping.isNewOnly(old)).isFalse();
    }

    /** Sets the phase of an instance and sends its heartbeat, so the instance registry knows at once. */
    private static void phase(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).setAll(phase);
        instance.getBean(InstanceHeartbeat.class).tick();
    }

    private static PersonRepository people(ConfigurableApplicationContext instance) {
        return instance.getBean(PersonRepository.class);
    }

    private static Document raw(String collection, String id) {
        return collection(writeBoth, collection).find(Filters.eq("_id", id)).first();
    }

    private static void record(String entityId, String shape, long version) {
        collection(writeBoth, "dualwrite_repairs").insertOne(new Document("migration", PEOPLE)
                .append("entityId", entityId).append("shape", shape).append("version", version)
                .append("kind", "ERROR").append("message", "lost").append("at", Date.from(clock.instant()))
                .append("repaired", false));
    }

    private static Callable<Object> update(ConfigurableApplicationContext instance, String id,
            Consumer<Person> change) {
        return () -> {
            Person loaded = people(instance).findById(id).orElseThrow();
            change.accept(loaded);
            return people(instance).save(loaded);
        };
    }

    private static Object attempt(Callable<Object> write) throws Exception {
        try {
            return write.call();
        }
        catch (OptimisticLockingFailureException | IncompleteWriteException refused) {
            return refused;
        }
    }

    private static JobOptions options() {
        return JobOptions.defaults().withPartitions(1).withBatchSize(100);
    }

    /** Runs an action on a copier worker's thread when it has read a batch; once. */
    private static final class BatchHook implements JobListener {

        volatile Runnable action;

        @Override
        public void batchRead(JobRun run, int partition, List<Object> ids) {
            Runnable once = action;
            action = null;
            if (once != null) {
                once.run();
            }
        }
    }

    /** Holds one thread at a point until released; the test first waits until it got there. */
    private static final class Gate {

        private final CountDownLatch arrived = new CountDownLatch(1);

        private final CountDownLatch released = new CountDownLatch(1);

        void hold() {
            arrived.countDown();
            try {
                if (!released.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never released");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }

        void awaitArrival() throws InterruptedException {
            assertThat(arrived.await(30, TimeUnit.SECONDS)).as("a thread reached the gate").isTrue();
        }

        void release() {
            released.countDown();
        }
    }

    /** A write on its own thread, held right before its write to one collection until {@link #outcome()}. */
    private static final class Held {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        private final Gate gate = new Gate();

        private final Future<Object> outcome;

        Held(String collection, Callable<Object> write) throws InterruptedException {
            outcome = thread.submit(() -> {
                RepairHooks.beforeWriting(collection, gate::hold);
                return attempt(write);
            });
            gate.awaitArrival();
        }

        Object outcome() throws Exception {
            gate.release();
            try {
                return outcome.get(30, TimeUnit.SECONDS);
            }
            finally {
                thread.shutdownNow();
            }
        }
    }

    /**
     * A reverse copy (every instance writing both shapes, so it hands entities back) of one batch, held after it wrote
     * old and before it removes the marks from new.
     */
    private record HeldHandBack(JobHandle handle, Gate gate) {

        static HeldHandBack start() throws InterruptedException {
            Gate gate = new Gate();
            listener.action = () -> RepairHooks.beforeWriting("people_v2", gate::hold);
            JobHandle handle = writeBoth.getBean(ReverseCopier.class).start(PEOPLE, options());
            gate.awaitArrival();
            return new HeldHandBack(handle, gate);
        }

        JobRun finish() throws InterruptedException {
            gate.release();
            assertThat(handle.await(Duration.ofSeconds(30))).as("reverse copy finished").isTrue();
            JobRun run = handle.run();
            assertThat(run.allWritingBothAtStart()).as(run.startCondition()).isTrue();
            return run;
        }
    }
}
