package io.dualwrite.copier;

import static io.dualwrite.copier.ReverseScenario.collection;
import static io.dualwrite.copier.ReverseScenario.members;
import static io.dualwrite.copier.ReverseScenario.people;
import static io.dualwrite.copier.ReverseScenario.phase;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.OptimisticLockingFailureException;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;

/**
 * The reverse copy against concurrent writers, in deterministic interleavings: the copier is held between reading a
 * batch from new and writing it to old ({@link JobListener#batchRead}), or between writing old and handing the entity
 * back (a {@link CommandHooks} hook before its update of new), and writers are held between the two writes of a dual
 * write, so every crossing happens in exactly the order the test names. Two application contexts on one database are
 * two service instances: {@code main} runs the reverse copier, {@code other} writes; each test puts them in the
 * phases of a rollback from READ_NEW_WRITE_NEW. Every test ends by rolling back to READ_OLD_WRITE_BOTH the way the
 * runbook does, and reading every acknowledged write there.
 */
class ReverseInterleavingTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final RecordingListener listener = new RecordingListener();

    private static ConfigurableApplicationContext main;

    private static ConfigurableApplicationContext other;

    private static ReverseCopier reverseCopier;

    private static ReverseVerifier reverseVerifier;

    @BeforeAll
    static void start() {
        main = CopierContexts.start("reverse_interleavings",
                CopierContexts.Process.of(null, null, listener, "dualwrite.copier.poll-interval=10ms"));
        other = CopierContexts.start("reverse_interleavings", CopierContexts.Process.of(null, null, null));
        reverseCopier = main.getBean(ReverseCopier.class);
        reverseVerifier = main.getBean(ReverseVerifier.class);
    }

    @AfterAll
    static void stop() {
        main.close();
        other.close();
    }

    @BeforeEach
    void forwardToReadNewWriteNew() throws InterruptedException {
        Fixtures.clear(main);
        listener.reset();
        CommandHooks.clear();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(other, Phase.READ_OLD_WRITE_BOTH);
        collection(main, "people_v1").insertMany(Fixtures.legacyPeople(10));
        collection(main, "members").insertMany(Fixtures.legacyPeople(10));
        main.getBean(Copier.class).run(PEOPLE, JobOptions.defaults());
        main.getBean(Copier.class).run(TestMigrations.MEMBERS, JobOptions.defaults());
        for (Phase phase : List.of(Phase.READ_NEW_WRITE_BOTH, Phase.READ_NEW_WRITE_NEW)) {
            phase(main, phase);
            phase(other, phase);
        }
    }

    @AfterEach
    void clearHooks() {
        CommandHooks.clear();
        listener.reset();
    }

    // ------------------------------------------------------------------ instances in READ_NEW_WRITE_NEW

    /**
     * The copier reads an entity new decides for, a new-only update lands, the copier writes its older read to old
     * (on new's behalf): old lags behind, new keeps the update, and the next reverse copy brings it over.
     */
    @Test
    void aNewOnlyUpdateBetweenTheReverseCopiersReadAndWriteIsKept() throws Exception {
        Person first = update(main, "p00003", "first@new-only", 1);
        HeldCopy copy = reverseCopyHeldAfterFirstRead();

        Person second = update(other, "p00003", "second@new-only", 2);
        JobRun run = copy.finish();

        assertThat(run.allWritingBothAtStart()).isFalse();
        Document old = raw("people_v1", "p00003");
        assertThat(old.get("version")).as("the copier wrote what it read").isEqualTo(first.getVersion());
        assertThat(Bookkeeping.isNewOnly(old)).as("on new's behalf").isTrue();
        assertThat(people(main).findById("p00003")).get().extracting(ReverseScenario::content)
                .isEqualTo(ReverseScenario.content(second));
        assertReverseVerifiedClean();

        rollBackToReadOld();
        assertReadsInOld("p00003", second);
    }

    /** The copier reads an entity, a new-only delete lands, the copier's copy is withdrawn by its re-check. */
    @Test
    void aNewOnlyDeleteBetweenTheReverseCopiersReadAndWriteIsNotUndone() throws Exception {
        update(main, "p00003", "doomed@new-only", 1);
        HeldCopy copy = reverseCopyHeldAfterFirstRead();

        people(other).deleteById("p00003");
        JobRun run = copy.finish();

        assertThat(run.count(Counts.DELETES_CAUGHT)).isEqualTo(1);
        assertThat(Bookkeeping.isTombstone(raw("people_v1", "p00003"))).isTrue();
        assertReverseVerifiedClean();
        rollBackToReadOld();
        assertDeletedEverywhere("p00003", "doomed@new-only");
    }

    /**
     * A write-both writer (an instance already back in READ_NEW_WRITE_BOTH) claims old and is held before new; a
     * new-only write lands on new; the reverse copy, writing on new's behalf, overwrites the held claim in old. The
     * held writer finds new decides and is refused: it is never acknowledged for a write nobody reads.
     */
    @Test
    void aWriteBothWriterHeldBetweenItsWritesWhileTheReverseCopyOverwritesItsClaimIsRefused() throws Exception {
        phase(other, Phase.READ_NEW_WRITE_BOTH); // main (the copier's process) stays in READ_NEW_WRITE_NEW
        Held<Person> held = new Held<>("people_v2", () -> update(other, "p00003", "held@write-both", 30));
        Person newOnly = update(main, "p00003", "wins@new-only", 31);

        JobRun run = reverseCopier.run(PEOPLE, options());
        assertThat(run.allWritingBothAtStart()).isFalse();
        Document old = raw("people_v1", "p00003");
        assertThat(old.get("version")).as("the held claim was overwritten").isEqualTo(newOnly.getVersion());
        Object outcome = held.outcome();

        assertThat(outcome).as("acknowledged although no read will ever see it?")
                .isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(Bookkeeping.isNewOnly(old)).as("written on new's behalf").isTrue();
        assertThat(people(other).findById("p00003")).get().extracting(ReverseScenario::content)
                .isEqualTo(ReverseScenario.content(newOnly));
        rollBackToReadOld();
        assertReadsInOld("p00003", newOnly);
    }

    /**
     * The same crossing without a copy in between: the held write-both writer is refused and its claim stays in old
     * (same write count as new's write). The reverse copy that hands the entity back replaces it with what new decided,
     * so READ_OLD_WRITE_BOTH reads the acknowledged write, not the refused one.
     */
    @Test
    void aRefusedWriteLeftInOldIsReplacedByWhatNewDecidedWhenTheEntityIsHandedBack() throws Exception {
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        Held<Person> held = new Held<>("people_v2", () -> update(other, "p00003", "refused@write-both", 30));
        Person newOnly = update(main, "p00003", "wins@new-only", 31);
        assertThat(held.outcome()).isInstanceOf(OptimisticLockingFailureException.class);
        assertThat(raw("people_v1", "p00003").getString("mail")).as("the refused claim is in old")
                .isEqualTo("refused@write-both");

        assertReverseVerifiedClean(); // p00003 is new's to decide, old's junk is pending, not a difference
        rollBackToReadOld();
        assertReadsInOld("p00003", newOnly);
    }

    // ------------------------------------------------------------------ every instance back in READ_NEW_WRITE_BOTH

    /**
     * A run that hands entities back reads an entity new decides for; a write-both write of it (through new, keeping
     * old up to date on new's behalf) lands before the copier writes: the copier's older read is refused by the guard,
     * nothing is handed back for it, and the next run hands it back.
     */
    @Test
    void aWriteBothUpdateBetweenTheReadAndTheWriteOfAHandBackIsKept() throws Exception {
        update(main, "p00003", "first@new-only", 1);
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        HeldCopy copy = reverseCopyHeldAfterFirstRead();

        Person later = update(other, "p00003", "later@write-both", 2);
        JobRun run = copy.finish();

        assertThat(run.allWritingBothAtStart()).as(run.startCondition()).isTrue();
        assertThat(run.count(Counts.HANDED_BACK)).isZero();
        assertThat(run.handedEverythingBack()).isFalse();
        assertThat(run.newOnly()).as("p00003 in both shapes").isEqualTo(2);
        assertThat(raw("people_v1", "p00003").get("version")).isEqualTo(later.getVersion());
        rollBackToReadOld();
        assertReadsInOld("p00003", later);
    }

    /** The same with a delete: the copy is refused by the tombstone, nothing comes back. */
    @Test
    void aWriteBothDeleteBetweenTheReadAndTheWriteOfAHandBackIsNotUndone() throws Exception {
        update(main, "p00003", "doomed@new-only", 1);
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        HeldCopy copy = reverseCopyHeldAfterFirstRead();

        people(other).deleteById("p00003");
        JobRun run = copy.finish();

        assertThat(run.count(Counts.SKIPPED)).isEqualTo(run.processed() - run.count(Counts.COPIED));
        assertThat(Bookkeeping.isTombstone(raw("people_v1", "p00003"))).isTrue();
        rollBackToReadOld();
        assertDeletedEverywhere("p00003", "doomed@new-only");
    }

    /**
     * The copier has written old (unmarked) and is held before it removes the marks from new: a write-both update and
     * a write-both delete land in that window. Old holds exactly what new holds, so both writers claim old as usual
     * and write new over the marked documents; the copier's removal of the marks then finds other versions and does
     * nothing. Both writes are acknowledged and read back in READ_OLD_WRITE_BOTH.
     */
    @Test
    void writesBetweenTheCopysWriteToOldAndItsHandBackAreKept() throws Exception {
        update(main, "p00003", "p3@new-only", 1);
        update(main, "p00004", "p4@new-only", 1);
        update(main, "p00005", "p5@new-only", 1);
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        Gate beforeHandBack = new Gate();
        listener.onBatchRead = (worker, batch, ids) -> CommandHooks.before(Set.of("update"), "people_v2", 0,
                beforeHandBack::hold);
        JobHandle handle = reverseCopier.start(PEOPLE, options());
        beforeHandBack.awaitArrival();
        Document old = raw("people_v1", "p00003");
        assertThat(old.getString("mail")).isEqualTo("p3@new-only");
        assertThat(Bookkeeping.isNewOnly(old)).as("written unmarked, to be handed back").isFalse();

        Person updated = update(other, "p00003", "p3@write-both", 3);
        people(other).deleteById("p00004");
        beforeHandBack.release();
        assertThat(handle.await(Duration.ofSeconds(30))).isTrue();

        JobRun run = handle.run();
        assertThat(run.count(Counts.HANDED_BACK)).as("p00005 only").isEqualTo(1);
        assertThat(run.handedEverythingBack()).as(JobReport.summary(run)).isTrue();
        assertThat(Bookkeeping.isNewOnly(raw("people_v2", "p00003"))).isFalse();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(other, Phase.READ_OLD_WRITE_BOTH);
        assertReadsInOld("p00003", updated);
        assertDeletedEverywhere("p00004", "p4@new-only");
        assertThat(people(main).findById("p00005")).get().extracting(Person::getEmail).isEqualTo("p5@new-only");
    }

    // ------------------------------------------------------------------ one collection

    /**
     * Both shapes in one collection: the reverse copy adds the old fields only to a document still at the version it
     * read, so a new-only update and a new-only delete between its read and its write win.
     */
    @Test
    void inOneCollectionWritersBetweenTheReverseCopiersReadAndWriteWin() throws Exception {
        updateMember(main, "p00003", "p3@new-only");
        updateMember(main, "p00004", "p4@new-only");
        updateMember(main, "p00005", "p5@new-only");
        HeldCopy copy = reverseCopyHeldAfterFirstRead(TestMigrations.MEMBERS);

        Member later = updateMember(other, "p00003", "p3@later");
        members(other).deleteById("p00004");
        JobRun run = copy.finish();

        assertThat(run.count(Counts.COPIED)).as("p00005 only").isEqualTo(1);
        assertThat(raw("members", "p00003").getList("_dwShapes", String.class)).containsExactly("new");
        assertThat(raw("members", "p00004")).isNull();
        assertThat(raw("members", "p00005").getString("mail")).isEqualTo("p5@new-only");
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        JobRun second = reverseCopier.run(TestMigrations.MEMBERS, options());
        assertThat(second.handedEverythingBack()).as(JobReport.summary(second)).isTrue();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(other, Phase.READ_OLD_WRITE_BOTH);
        for (ConfigurableApplicationContext instance : List.of(main, other)) {
            assertThat(members(instance).findById("p00003")).get().extracting(ReverseScenario::content)
                    .isEqualTo(ReverseScenario.content(later));
            assertThat(members(instance).findById("p00004")).isEmpty();
            assertThat(members(instance).findByEmail("p4@new-only")).isEmpty();
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The rest of the runbook: every instance back in READ_NEW_WRITE_BOTH, a reverse copy that hands everything back
     * and a clean reverse verification, then every instance in READ_OLD_WRITE_BOTH.
     */
    private static void rollBackToReadOld() throws InterruptedException {
        phase(main, Phase.READ_NEW_WRITE_BOTH);
        phase(other, Phase.READ_NEW_WRITE_BOTH);
        JobRun handBack = reverseCopier.run(PEOPLE, options());
        assertThat(handBack.handedEverythingBack()).as(JobReport.summary(handBack)).isTrue();
        JobRun verification = reverseVerifier.run(PEOPLE, options());
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(verification.newOnly()).isZero();
        phase(main, Phase.READ_OLD_WRITE_BOTH);
        phase(other, Phase.READ_OLD_WRITE_BOTH);
    }

    private static void assertReadsInOld(String id, Person expected) {
        for (ConfigurableApplicationContext instance : List.of(main, other)) {
            assertThat(people(instance).findById(id)).get().extracting(ReverseScenario::content)
                    .isEqualTo(ReverseScenario.content(expected));
            assertThat(people(instance).findByEmail(expected.getEmail())).isPresent();
        }
        assertThat(ReverseScenario.live(raw("people_v1", id), ReverseScenario.OLD_PEOPLE))
                .isEqualTo(ReverseScenario.content(expected));
    }

    /** No live document in either shape, and no repository in any phase reads it. */
    private static void assertDeletedEverywhere(String id, String email) {
        Document old = raw("people_v1", id);
        assertThat(old == null || Bookkeeping.isTombstone(old)).as("old shape of %s: %s", id, old).isTrue();
        Document current = raw("people_v2", id);
        assertThat(current == null || Bookkeeping.isTombstone(current)).as("new shape of %s: %s", id, current)
                .isTrue();
        Phase before = other.getBean(io.dualwrite.fixtures.SettablePhaseSource.class).currentPhase(PEOPLE);
        try {
            for (Phase phase : Phase.values()) {
                other.getBean(io.dualwrite.fixtures.SettablePhaseSource.class).setAll(phase);
                assertThat(people(other).findById(id)).as("%s read in %s", id, phase).isEmpty();
                assertThat(people(other).findByEmail(email)).as("%s found by email in %s", id, phase).isEmpty();
            }
        }
        finally {
            other.getBean(io.dualwrite.fixtures.SettablePhaseSource.class).setAll(before);
        }
    }

    private static void assertReverseVerifiedClean() throws InterruptedException {
        JobRun verification = reverseVerifier.run(PEOPLE, options());
        assertThat(verification.isClean()).as(JobReport.summary(verification) + " " + verification.examples())
                .isTrue();
    }

    private static HeldCopy reverseCopyHeldAfterFirstRead() throws InterruptedException {
        return reverseCopyHeldAfterFirstRead(PEOPLE);
    }

    /** A reverse copy of one worker on one partition (one batch: every document) held between read and write. */
    private static HeldCopy reverseCopyHeldAfterFirstRead(String migration) throws InterruptedException {
        Gate gate = new Gate();
        listener.onBatchRead = (worker, batch, ids) -> {
            if (batch == 1) {
                gate.hold();
            }
        };
        JobHandle handle = reverseCopier.start(migration, options());
        gate.awaitArrival();
        return new HeldCopy(handle, gate);
    }

    private record HeldCopy(JobHandle handle, Gate gate) {

        JobRun finish() throws InterruptedException {
            gate.release();
            assertThat(handle.await(Duration.ofSeconds(30))).as("reverse copy finished").isTrue();
            JobRun run = handle.run();
            assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
            return run;
        }
    }

    /** A write on its own thread, held right before its write to {@code collection} until {@link #outcome()}. */
    private static final class Held<T> {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        private final Gate gate = new Gate();

        private final Future<Object> outcome;

        Held(String collection, Callable<T> write) throws InterruptedException {
            outcome = thread.submit(() -> {
                CommandHooks.beforeWriting(collection, gate::hold);
                try {
                    return write.call();
                }
                catch (OptimisticLockingFailureException refused) {
                    return refused;
                }
            });
            gate.awaitArrival();
        }

        /** Releases the write; its result, or the refusal. */
        Object outcome() throws Exception {
            gate.release();
            try {
                return outcome.get(30, TimeUnit.SECONDS);
            }
            finally {
                thread.shutdown();
            }
        }
    }

    private static JobOptions options() {
        return JobOptions.defaults().withPartitions(1).withBatchSize(100);
    }

    private static Document raw(String collection, String id) {
        return ReverseScenario.raw(main, collection, id);
    }

    private static Person update(ConfigurableApplicationContext instance, String id, String email, int age) {
        return ReverseCopierTests.update(instance, id, email, age);
    }

    private static Member updateMember(ConfigurableApplicationContext instance, String id, String email) {
        Member member = members(instance).findById(id).orElseThrow();
        member.setEmail(email);
        return members(instance).save(member);
    }
}
