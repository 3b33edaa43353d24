package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.MutableClock;

/**
 * Runs shared by processes: checkpoints and resuming, lease takeover on an injected clock, two processes starting at
 * once, pause, resume and cancel from another process. Two application contexts on one database are two copier
 * processes ({@code a} and {@code b}); they share one {@link MutableClock}, which only the test moves, so a lease
 * expires exactly when the test says and never otherwise. Their sleepers sleep for real but briefly, and count.
 */
class CopierJobControlTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final Duration LEASE_TTL = Duration.ofSeconds(30);

    private static final MutableClock clock = new MutableClock();

    private static final RecordingListener listenerA = new RecordingListener();

    private static final RecordingListener listenerB = new RecordingListener();

    private static final CountingSleeper sleeperA = new CountingSleeper();

    private static final CountingSleeper sleeperB = new CountingSleeper();

    private static ConfigurableApplicationContext a;

    private static ConfigurableApplicationContext b;

    private static Copier copierA;

    private static Copier copierB;

    private static JobStore store;

    @BeforeAll
    static void start() {
        String[] properties = { "dualwrite.copier.poll-interval=10ms", "dualwrite.copier.lease-ttl=30s" };
        a = CopierContexts.start("copier_job_control", CopierContexts.Process.of(clock, sleeperA, listenerA,
                properties));
        b = CopierContexts.start("copier_job_control", CopierContexts.Process.of(clock, sleeperB, listenerB,
                properties));
        copierA = a.getBean(Copier.class);
        copierB = b.getBean(Copier.class);
        store = a.getBean(JobStore.class);
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(a);
        listenerA.reset();
        listenerB.reset();
        CommandHooks.clear();
        a.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
        b.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
    }

    @AfterEach
    void clearHooks() {
        CommandHooks.clear();
        listenerA.reset();
        listenerB.reset();
    }

    // ------------------------------------------------------------------ 3: checkpoints

    /**
     * A run stopped after 6 batches keeps its checkpoints in MongoDB; the next start joins the same run and resumes
     * from them: over both parts every document is scanned exactly once.
     */
    @Test
    void aStoppedRunResumesFromItsCheckpoints() throws Exception {
        seedLegacy(800); // 4 partitions of exactly 200 (the partitioner's sample has a stride of 10)
        JobOptions options = options(4, 50);
        Gate sixth = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 6) {
                sixth.hold();
            }
        };
        JobHandle first = copierA.start(PEOPLE, options);
        sixth.awaitArrival();
        first.stop();
        sixth.release();
        assertThat(first.await(Duration.ofSeconds(20))).isTrue();

        JobRun stopped = first.run();
        assertThat(stopped.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stopped.processed()).isEqualTo(300);
        List<Document> partitions = partitions(stopped.id());
        assertThat(partitions.get(0).getBoolean("done")).isTrue();
        assertThat(partitions.get(1).get("after")).as("checkpoint in MongoDB").isEqualTo("p00299");
        assertThat(partitions.get(1).get("owner")).as("released by the orderly stop").isNull();
        assertThat(partitions.get(2)).doesNotContainKey("after");
        List<Object> firstPart = listenerA.idsRead();
        listenerA.reset();

        JobRun resumed = copierA.run(PEOPLE, options);

        List<Object> secondPart = listenerA.idsRead();
        assertThat(resumed.id()).isEqualTo(stopped.id());
        assertThat(resumed.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(resumed.processed()).isEqualTo(800);
        assertThat(firstPart).hasSize(300);
        assertThat(secondPart).hasSize(500).doesNotContainAnyElementsOf(firstPart);
        assertThat(listenerA.read.get(0).ids().get(0)).as("the second part did not start from zero")
                .isEqualTo("p00300");
        assertThat(union(firstPart, secondPart)).isEqualTo(allIds(800));
    }

    /**
     * A worker killed between reading its 8th batch and writing it: the run resumes from the checkpoints and only
     * that uncommitted batch is scanned twice; the total counted is exactly the document count.
     */
    @Test
    void aKilledWorkerLosesOnlyItsUncommittedBatch() throws Exception {
        seedLegacy(800);
        JobOptions options = options(4, 50);
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 8) {
                throw new RecordingListener.SimulatedCrash(worker);
            }
        };
        JobHandle first = copierA.start(PEOPLE, options);
        assertThat(first.await(Duration.ofSeconds(20))).isTrue();
        String dead = listenerA.read.get(0).worker();
        List<Object> uncommitted = listenerA.read.get(7).ids();
        List<Object> firstPart = listenerA.idsRead();
        assertThat(first.run().processed()).isEqualTo(350);
        assertThat(partitions(first.runId()).get(1).getString("owner")).as("the dead worker's lease stays")
                .isEqualTo(dead);
        listenerA.reset();

        clock.advance(LEASE_TTL.plusSeconds(1));
        JobRun resumed = copierA.run(PEOPLE, options);

        assertThat(resumed.id()).isEqualTo(first.runId());
        assertThat(resumed.processed()).isEqualTo(800);
        assertThat(resumed.count(Counts.COPIED)).isEqualTo(800);
        assertThat(listenerA.leased).filteredOn(l -> l.partition() == 1).singleElement()
                .extracting(RecordingListener.Leased::previousOwner).isEqualTo(dead);
        List<Object> secondPart = listenerA.idsRead();
        List<Object> scannedTwice = new ArrayList<>(secondPart);
        scannedTwice.retainAll(firstPart);
        assertThat(scannedTwice).as("only the killed worker's uncommitted batch").isEqualTo(uncommitted);
        assertThat(secondPart).as("everything not committed before the crash").hasSize(800 - 350);
        assertThat(union(firstPart, secondPart)).isEqualTo(allIds(800));
    }

    // ------------------------------------------------------------------ 4: lease takeover

    /**
     * Worker A (process a) dies holding a partition; worker B (process b) keeps finding it leased until the clock
     * passes the lease's expiry, then takes it over from A, resumes from A's checkpoint and finishes. A, having lost
     * the lease, can no longer checkpoint.
     */
    @Test
    void aDeadWorkersPartitionIsTakenOverOnlyAfterItsLeaseExpires() throws Exception {
        seedLegacy(200);
        JobOptions options = options(1, 20);
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 3) {
                throw new RecordingListener.SimulatedCrash(worker);
            }
        };
        JobHandle handleA = copierA.start(PEOPLE, options);
        assertThat(handleA.await(Duration.ofSeconds(20))).isTrue();
        String workerA = listenerA.read.get(0).worker();
        String partition = handleA.runId() + "/0";

        int sleptBefore = sleeperB.calls();
        JobHandle handleB = copierB.start(PEOPLE, options);
        Waiting.until("worker B looked for a partition 5 times", () -> sleeperB.calls() >= sleptBefore + 5);
        assertThat(listenerB.leased).as("B cannot take the partition before the lease expires").isEmpty();
        assertThat(handleB.isDone()).isFalse();
        assertThat(partitions(handleA.runId()).get(0).getString("owner")).isEqualTo(workerA);

        clock.advance(LEASE_TTL.plusSeconds(1));
        assertThat(handleB.await(Duration.ofSeconds(20))).isTrue();

        assertThat(listenerB.leased).singleElement().satisfies(lease -> {
            assertThat(lease.partition()).isZero();
            assertThat(lease.previousOwner()).isEqualTo(workerA);
        });
        assertThat(listenerB.read.get(0).ids().get(0)).as("B resumed from A's checkpoint").isEqualTo("p00040");
        JobRun run = handleB.run();
        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.processed()).isEqualTo(200);
        assertThat(store.checkpoint(partition, workerA, "p00199", Map.of(Counts.PROCESSED, 20L), List.of(),
                clock.instant().plus(LEASE_TTL), false)).as("A lost its lease").isFalse();
        assertThat(store.run(run.id()).orElseThrow().processed()).isEqualTo(200);
    }

    /**
     * Worker A is alive but stalled between reading and writing a batch while its lease expires; B takes the
     * partition over and finishes it. When A wakes up, its write is harmless (the version guard) and its checkpoint
     * is refused: nothing is counted twice.
     */
    @Test
    void aStalledWorkerThatLostItsLeaseCannotCheckpoint() throws Exception {
        seedLegacy(200);
        JobOptions options = options(1, 20);
        Gate third = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 3) {
                third.hold();
            }
        };
        JobHandle handleA = copierA.start(PEOPLE, options);
        third.awaitArrival();
        String workerA = listenerA.read.get(0).worker();

        clock.advance(LEASE_TTL.plusSeconds(1));
        JobRun finishedByB = copierB.run(PEOPLE, options);
        assertThat(listenerB.leased).singleElement().extracting(RecordingListener.Leased::previousOwner)
                .isEqualTo(workerA);
        assertThat(finishedByB.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(finishedByB.processed()).isEqualTo(200);

        third.release();
        assertThat(handleA.await(Duration.ofSeconds(20))).isTrue();
        assertThat(listenerA.done).as("A's third batch was not checkpointed").hasSize(2);
        assertThat(store.run(finishedByB.id()).orElseThrow().processed()).isEqualTo(200);
        assertThat(store.checkpoint(finishedByB.id() + "/0", workerA, "p00059", Map.of(), List.of(),
                clock.instant().plus(LEASE_TTL), false)).isFalse();
        assertThat(Fixtures.database(a).getCollection("people_v2").countDocuments()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ 5: two processes, one run

    /** Two processes start the copy at the same moment: one run, both work on it, every partition once. */
    @Test
    void twoProcessesStartingAtOnceShareOneRun() throws Exception {
        seedLegacy(2_000);
        JobOptions options = options(8, 50);
        CountDownLatch bothWorking = new CountDownLatch(2);
        for (RecordingListener listener : List.of(listenerA, listenerB)) {
            AtomicBoolean first = new AtomicBoolean(true);
            listener.onLeased = (worker, batch, ids) -> {
                if (first.getAndSet(false)) {
                    bothWorking.countDown();
                    await(bothWorking);
                }
            };
        }
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService starters = Executors.newFixedThreadPool(2);
        Future<JobHandle> startA = starters.submit(() -> {
            together.await();
            return copierA.start(PEOPLE, options);
        });
        Future<JobHandle> startB = starters.submit(() -> {
            together.await();
            return copierB.start(PEOPLE, options);
        });
        JobHandle handleA = startA.get(20, TimeUnit.SECONDS);
        JobHandle handleB = startB.get(20, TimeUnit.SECONDS);
        starters.shutdown();
        assertThat(handleA.await(Duration.ofSeconds(20))).isTrue();
        assertThat(handleB.await(Duration.ofSeconds(20))).isTrue();

        assertThat(handleB.runId()).isEqualTo(handleA.runId());
        assertThat(copyRuns()).as("runs created").hasSize(1);
        assertPartitionsProcessedOnceEach(handleA.runId(), 8, 2_000);
        assertThat(listenerA.leased).as("process a worked on the run").isNotEmpty();
        assertThat(listenerB.leased).as("process b worked on the run").isNotEmpty();
    }

    /**
     * The interleaving behind two processes starting at once, held exactly: b found no active run, then a created
     * one, then b goes on creating. b must join a's run instead of taking its place.
     */
    @Test
    void aProcessThatFoundNoActiveRunJustBeforeAnotherCreatedOneJoinsIt() throws Exception {
        seedLegacy(200);
        JobOptions options = options(4, 20);
        Gate aWorking = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 1) {
                aWorking.hold();
            }
        };
        Gate bBetween = new Gate();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Future<JobHandle> startB = thread.submit(() -> {
            // b's reads of the runs collection: its start, createOrJoin's look for an active run, then the next one
            CommandHooks.before(Set.of("find"), "dualwrite_jobs", 2, bBetween::hold);
            return copierB.start(PEOPLE, options);
        });
        bBetween.awaitArrival();
        JobHandle handleA = copierA.start(PEOPLE, options);
        aWorking.awaitArrival();
        bBetween.release();
        JobHandle handleB = startB.get(20, TimeUnit.SECONDS);
        thread.shutdown();
        aWorking.release();
        assertThat(handleA.await(Duration.ofSeconds(20))).isTrue();
        assertThat(handleB.await(Duration.ofSeconds(20))).isTrue();

        assertThat(handleB.runId()).isEqualTo(handleA.runId());
        assertThat(copyRuns()).as("runs created").hasSize(1);
        assertPartitionsProcessedOnceEach(handleA.runId(), 4, 200);
    }

    // ------------------------------------------------------------------ 7: pause, resume, cancel

    /**
     * Pausing from process b stops process a's worker after its current batch (it releases its partition and
     * waits); resuming from b lets it continue from the checkpoint, scanning nothing twice.
     */
    @Test
    void pauseAndResumeFromAnotherProcess() throws Exception {
        seedLegacy(400);
        JobOptions options = options(2, 20);
        Gate third = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 3) {
                third.hold();
            }
        };
        JobHandle handle = copierA.start(PEOPLE, options);
        third.awaitArrival();

        assertThat(copierB.pause(PEOPLE).status()).isEqualTo(JobStatus.PAUSED);
        third.release();
        Waiting.until("a's worker checkpointed its batch and released its partition", () -> {
            Document partition = partitions(handle.runId()).get(0);
            return "p00059".equals(partition.get("after")) && partition.get("owner") == null;
        });
        int sleptBefore = sleeperA.calls();
        Waiting.until("a's worker waited while paused", () -> sleeperA.calls() >= sleptBefore + 5);

        JobRun paused = handle.run();
        assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
        assertThat(paused.processed()).as("the current batch finished, no other began").isEqualTo(60);
        assertThat(listenerA.read).hasSize(3);
        assertThat(listenerA.done).hasSize(3);
        assertThat(handle.isDone()).isFalse();
        assertThat(partitions(handle.runId()).get(0).get("after")).isEqualTo("p00059");

        assertThat(copierB.resume(PEOPLE).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(handle.await(Duration.ofSeconds(20))).isTrue();

        JobRun finished = handle.run();
        assertThat(finished.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(finished.processed()).isEqualTo(400);
        assertThat(listenerA.read.get(3).ids().get(0)).as("resumed after the checkpoint").isEqualTo("p00060");
        assertThat(listenerA.idsRead()).hasSize(400).doesNotHaveDuplicates();
    }

    /**
     * Cancelling from process b ends the run for process a's worker after its current batch, frees the active run,
     * and a new start creates a new run that begins from the first document.
     */
    @Test
    void cancelFromAnotherProcessEndsTheRunAndANewStartBeginsAfresh() throws Exception {
        seedLegacy(400);
        JobOptions options = options(2, 20);
        Gate second = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 2) {
                second.hold();
            }
        };
        JobHandle handle = copierA.start(PEOPLE, options);
        second.awaitArrival();

        JobRun cancelled = copierB.cancel(PEOPLE);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.finishedAt()).isNotNull();
        assertThat(copierA.active(PEOPLE)).isEmpty();
        second.release();
        assertThat(handle.await(Duration.ofSeconds(20))).as("a's worker stopped").isTrue();

        assertThat(handle.run().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(handle.run().processed()).isEqualTo(40);
        assertThat(listenerA.read).hasSize(2);
        assertThat(Fixtures.database(a).getCollection("dualwrite_jobs")
                .countDocuments(Filters.regex("_id", "^active/"))).as("active pointer freed").isZero();

        JobRun fresh = copierB.run(PEOPLE, options);
        assertThat(fresh.id()).isNotEqualTo(cancelled.id());
        assertThat(fresh.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(fresh.processed()).isEqualTo(400);
        assertThat(listenerB.read.get(0).ids().get(0)).as("the new run began from zero").isEqualTo("p00000");
        assertThat(copyRuns()).extracting(d -> d.getString("status")).containsExactlyInAnyOrder("CANCELLED",
                "FINISHED");
    }

    // ------------------------------------------------------------------ helpers

    private static JobOptions options(int partitions, int batchSize) {
        return JobOptions.defaults().withWorkers(1).withPartitions(partitions).withBatchSize(batchSize);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static void assertPartitionsProcessedOnceEach(String runId, int partitions, int documents) {
        List<RecordingListener.Leased> leases = new ArrayList<>(listenerA.leased);
        leases.addAll(listenerB.leased);
        assertThat(leases).extracting(RecordingListener.Leased::partition).as("each partition leased once")
                .doesNotHaveDuplicates().hasSize(partitions);
        assertThat(leases).extracting(RecordingListener.Leased::previousOwner).containsOnlyNulls();
        List<Object> ids = new ArrayList<>(listenerA.idsRead());
        ids.addAll(listenerB.idsRead());
        assertThat(ids).hasSize(documents).doesNotHaveDuplicates();
        JobRun run = store.run(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(run.processed()).isEqualTo(documents);
        assertThat(run.count(Counts.COPIED)).isEqualTo(documents);
    }

    private static List<Document> copyRuns() {
        return Fixtures.database(a).getCollection("dualwrite_jobs")
                .find(Filters.and(Filters.eq("migration", PEOPLE), Filters.eq("kind", "copy")))
                .into(new ArrayList<>());
    }

    private static List<Document> partitions(String runId) {
        return Fixtures.database(a).getCollection("dualwrite_job_partitions").find(Filters.eq("run", runId))
                .sort(Sorts.ascending("index")).into(new ArrayList<>());
    }

    private static Set<Object> union(List<Object> first, List<Object> second) {
        Set<Object> all = new HashSet<>(first);
        all.addAll(second);
        return all;
    }

    private static Set<Object> allIds(int count) {
        Set<Object> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            ids.add(String.format("p%05d", i));
        }
        return ids;
    }

    private static void seedLegacy(int count) {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(CopierTests.legacy(i));
        }
        MongoCollection<Document> old = Fixtures.database(a).getCollection("people_v1");
        old.insertMany(documents);
    }
}
