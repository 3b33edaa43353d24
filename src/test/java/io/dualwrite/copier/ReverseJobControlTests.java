package io.dualwrite.copier;

import static io.dualwrite.copier.ReverseScenario.collection;
import static io.dualwrite.copier.ReverseScenario.phase;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.Versions;
import io.dualwrite.support.MutableClock;

/**
 * Reverse runs shared by processes, like copy runs: a killed worker loses only its uncommitted batch and its
 * partition is taken over once the injected clock passes the lease's expiry; a stopped run resumes from its
 * checkpoints; pause and cancel from another process. Two application contexts on one database are two processes
 * ({@code a} and {@code b}) sharing one {@link MutableClock} that only the test moves.
 * <p>
 * The data: the old collection was dropped (say, by a cleanup) and the new shape holds 800 entities written in
 * READ_NEW_WRITE_NEW: the reverse copy rebuilds the old shape from scratch.
 */
class ReverseJobControlTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final Duration LEASE_TTL = Duration.ofSeconds(30);

    private static final MutableClock clock = new MutableClock();

    private static final RecordingListener listenerA = new RecordingListener();

    private static final RecordingListener listenerB = new RecordingListener();

    private static ConfigurableApplicationContext a;

    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        String[] properties = { "dualwrite.copier.poll-interval=10ms", "dualwrite.copier.lease-ttl=30s" };
        a = CopierContexts.start("reverse_job_control", CopierContexts.Process.of(clock, new CountingSleeper(),
                listenerA, properties));
        b = CopierContexts.start("reverse_job_control", CopierContexts.Process.of(clock, new CountingSleeper(),
                listenerB, properties));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @BeforeEach
    void newShapeOnly() {
        Fixtures.clear(a);
        listenerA.reset();
        listenerB.reset();
        phase(a, Phase.READ_NEW_WRITE_NEW);
        phase(b, Phase.READ_NEW_WRITE_NEW);
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            documents.add(new Document("_id", String.format("p%05d", i)).append("firstName", "First" + i)
                    .append("lastName", "Last" + i).append("email", "p" + i + "@new-only").append("age", i % 90)
                    .append("version", Versions.first()).append(Bookkeeping.NEW_ONLY, true));
        }
        collection(a, "people_v2").insertMany(documents);
    }

    @AfterEach
    void reset() {
        listenerA.reset();
        listenerB.reset();
    }

    /**
     * A worker killed between reading its 8th batch and writing it: after the lease expires the run resumes from the
     * checkpoints, only that uncommitted batch is scanned twice, and the old shape is complete.
     */
    @Test
    void aKilledReverseCopyWorkerLosesOnlyItsUncommittedBatch() throws Exception {
        JobOptions options = JobOptions.defaults().withPartitions(4).withBatchSize(50);
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 8) {
                throw new RecordingListener.SimulatedCrash(worker);
            }
        };
        ReverseCopier copierA = a.getBean(ReverseCopier.class);
        JobHandle first = copierA.start(PEOPLE, options);
        assertThat(first.await(Duration.ofSeconds(20))).isTrue();
        String dead = listenerA.read.get(0).worker();
        List<Object> uncommitted = listenerA.read.get(7).ids();
        List<Object> firstPart = listenerA.idsRead();
        assertThat(first.run().processed()).isEqualTo(350);
        assertThat(first.run().status()).isEqualTo(JobStatus.RUNNING);
        listenerA.reset();

        clock.advance(LEASE_TTL.plusSeconds(1));
        JobRun resumed = copierA.run(PEOPLE, options);

        assertThat(resumed.id()).isEqualTo(first.runId());
        assertThat(resumed.status()).isEqualTo(JobStatus.FINISHED);
        assertThat(resumed.processed()).isEqualTo(800);
        assertThat(resumed.count(Counts.COPIED)).isEqualTo(800);
        assertThat(listenerA.leased).filteredOn(lease -> dead.equals(lease.previousOwner())).hasSize(1);
        List<Object> secondPart = listenerA.idsRead();
        List<Object> scannedTwice = new ArrayList<>(secondPart);
        scannedTwice.retainAll(firstPart);
        assertThat(scannedTwice).as("only the killed worker's uncommitted batch").isEqualTo(uncommitted);
        Set<Object> all = new HashSet<>(firstPart);
        all.addAll(secondPart);
        assertThat(all).hasSize(800);
        assertThat(collection(a, "people_v1").countDocuments()).isEqualTo(800);
        assertThat(collection(a, "people_v1").find(Filters.eq("_id", "p00123")).first().getString("mail"))
                .isEqualTo("p123@new-only");
        JobRun verification = a.getBean(ReverseVerifier.class).run(PEOPLE, options);
        assertThat(verification.isClean()).as(JobReport.summary(verification)).isTrue();
        assertThat(verification.newOnly()).isEqualTo(800);
    }

    /** A stopped reverse verification keeps its checkpoints; the next start joins it and resumes from them. */
    @Test
    void aStoppedReverseVerificationResumesFromItsCheckpoints() throws Exception {
        a.getBean(ReverseCopier.class).run(PEOPLE, JobOptions.defaults());
        JobOptions options = JobOptions.defaults().withPartitions(2).withBatchSize(50);
        Gate fourth = new Gate();
        listenerA.onBatchRead = (worker, batch, ids) -> {
            if (batch == 4) {
                fourth.hold();
            }
        };
        ReverseVerifier verifier = a.getBean(ReverseVerifier.class);
        JobHandle first = verifier.start(PEOPLE, options);
        fourth.awaitArrival();
        first.stop();
        fourth.release();
        assertThat(first.await(Duration.ofSeconds(20))).isTrue();
        JobRun stopped = first.run();
        assertThat(stopped.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stopped.processed()).isEqualTo(200);
        List<Object> firstPart = listenerA.idsRead();
        listenerA.reset();

        JobRun resumed = verifier.run(PEOPLE, options);

        assertThat(resumed.id()).isEqualTo(stopped.id());
        assertThat(resumed.processed()).as("800 new and 800 old documents").isEqualTo(1_600);
        assertThat(listenerA.idsRead()).hasSize(1_400);
        assertThat(listenerA.read.get(0).ids().get(0)).as("not from zero").isNotEqualTo(firstPart.get(0));
        assertThat(resumed.isClean()).as(JobReport.summary(resumed)).isTrue();
        List<Document> partitions = new ArrayList<>();
        Fixtures.database(a).getCollection("dualwrite_job_partitions").find(Filters.eq("run", resumed.id()))
                .sort(Sorts.ascending("index")).into(partitions);
        List<String> sides = partitions.stream().map(p -> p.getString("side")).toList();
        assertThat(sides.subList(0, sides.size() / 2)).as("new scanned first: " + sides).containsOnly("new");
        assertThat(sides.subList(sides.size() / 2, sides.size())).as("then old, for extras").containsOnly("old");
    }

    /** Another process pauses, resumes and cancels a reverse copy; the workers of the first follow. */
    @Test
    void anotherProcessPausesResumesAndCancelsAReverseCopy() throws Exception {
        JobHandle handle = a.getBean(ReverseCopier.class).start(PEOPLE,
                JobOptions.defaults().withPartitions(1).withBatchSize(10));
        ReverseCopier fromB = b.getBean(ReverseCopier.class);
        Gate second = new Gate();
        listenerA.onBatchDone = (worker, batch, ids) -> {
            if (batch == 1) {
                second.hold();
            }
        };
        second.awaitArrival();
        JobRun paused = fromB.pause(PEOPLE);
        second.release();
        assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
        Waiting.until("the worker gave its partition back", () -> Fixtures.database(a)
                .getCollection("dualwrite_job_partitions").countDocuments(Filters.and(Filters.eq("run",
                        handle.runId()), Filters.ne("owner", null))) == 0);
        long processed = handle.run().processed();
        assertThat(processed).isLessThan(800);

        assertThat(fromB.resume(PEOPLE).status()).isEqualTo(JobStatus.RUNNING);
        JobRun cancelled = fromB.cancel(PEOPLE);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(handle.await(Duration.ofSeconds(20))).as("the workers of a stop").isTrue();
        assertThat(a.getBean(JobStore.class).finishedStartedAfter(PEOPLE, JobKind.REVERSE_COPY,
                cancelled.startedAt().minusSeconds(1))).as("a cancelled run backs nothing").isEmpty();
    }
}
