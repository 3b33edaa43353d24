package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.MutableClock;

/**
 * The copier's rate limit, counted rather than timed: the engine's sleeper moves an injected clock instead of
 * sleeping, and the clock moves for nothing else, so the virtual time between two batches is exactly the wait the rate
 * limit imposed.
 */
class CopierRateLimitTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final MutableClock clock = new MutableClock();

    private static final RecordingListener listener = new RecordingListener();

    /** The virtual instant at which each batch was read (after its wait). */
    private static final List<Instant> batchStarts = new CopyOnWriteArrayList<>();

    private static final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

    private static ConfigurableApplicationContext context;

    private static Copier copier;

    @BeforeAll
    static void start() {
        context = CopierContexts.start("copier_rate_limit", CopierContexts.Process.of(clock, new ClockSleeper(clock),
                listener, "dualwrite.copier.poll-interval=100ms"));
        copier = context.getBean(Copier.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        context.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
        listener.reset();
        batchStarts.clear();
        batchSizes.clear();
    }

    private static void recordBatches(RecordingListener.Action then) {
        listener.onBatchRead = (worker, batch, ids) -> {
            batchStarts.add(clock.instant());
            batchSizes.add(ids.size());
            if (then != null) {
                then.at(worker, batch, ids);
            }
        };
    }

    /** N documents at R documents/s in batches of b take at least (N - b) / R of (virtual) time, and no more. */
    @Test
    void aCopyNeverGoesFasterThanItsRate() throws Exception {
        int documents = 1_000;
        int batch = 50;
        double rate = 200;
        seedLegacy(documents);
        recordBatches(null);
        Instant before = clock.instant();

        JobRun run = copier.run(PEOPLE, JobOptions.defaults().withBatchSize(batch).withPartitions(4).withRate(rate));

        Duration elapsed = Duration.between(before, clock.instant());
        assertThat(run.processed()).isEqualTo(documents);
        Duration floor = Duration.ofNanos((long) ((documents - batch) / rate * 1e9));
        System.out.printf("rate limit: %d documents at %.0f/s in batches of %d took %s of virtual time (floor %s)%n",
                documents, rate, batch, elapsed, floor);
        assertThat(elapsed).isGreaterThanOrEqualTo(floor);
        for (int i = 1; i < batchStarts.size(); i++) {
            assertThat(Duration.between(batchStarts.get(i - 1), batchStarts.get(i)))
                    .as("wait before batch %d", i + 1).isEqualTo(waitFor(batchSizes.get(i - 1), rate));
        }
        assertThat(elapsed).as("and it did not wait more than the rate asks")
                .isEqualTo(Duration.between(batchStarts.get(0), batchStarts.get(batchStarts.size() - 1)));
    }

    /** A rate changed while the run goes on (from another thread) applies from the worker's next batch. */
    @Test
    void aRateChangedMidRunAppliesFromTheNextBatch() throws Exception {
        seedLegacy(400);
        Gate fifth = new Gate();
        recordBatches((worker, batch, ids) -> {
            if (batch == 5) {
                fifth.hold();
            }
        });
        JobHandle handle = copier.start(PEOPLE, JobOptions.defaults().withBatchSize(20).withPartitions(1)
                .withRate(100));
        fifth.awaitArrival();
        assertThat(copier.setRate(PEOPLE, 400).rate()).isEqualTo(400);
        fifth.release();
        assertThat(handle.await(Duration.ofSeconds(20))).isTrue();

        assertThat(handle.run().processed()).isEqualTo(400);
        assertThat(batchStarts).hasSize(20);
        for (int i = 1; i < batchStarts.size(); i++) {
            // the wait before batch i+1 pays for batch i, at the rate in force when batch i was reserved
            double rate = i <= 5 ? 100 : 400;
            assertThat(Duration.between(batchStarts.get(i - 1), batchStarts.get(i)))
                    .as("wait before batch %d", i + 1).isEqualTo(waitFor(20, rate));
        }
    }

    private static Duration waitFor(int documents, double rate) {
        return Duration.ofNanos((long) Math.ceil(documents * 1_000_000_000d / rate));
    }

    private static void seedLegacy(int count) {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(CopierTests.legacy(i));
        }
        Fixtures.database(context).getCollection("people_v1").insertMany(documents);
    }
}
