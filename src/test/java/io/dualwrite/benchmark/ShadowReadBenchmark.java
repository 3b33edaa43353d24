package io.dualwrite.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.bson.types.ObjectId;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.MongoDatabaseFactory;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.shadow.ShadowReadStats;
import io.dualwrite.shadow.ShadowReads;

/**
 * The cost of shadow reads on the caller: {@code findById} of the phased repository ({@link BenchPersonRepository}) in
 * {@code READ_OLD_WRITE_BOTH} with shadow reads sampling 1 % of the reads against the same {@code findById} with the
 * rate at 0, in alternating rounds in one process and one application context ({@link BenchmarkApplication}, embedded
 * server). The rate is switched through {@link ShadowReads#setSampleRate} at the start of each side's round (one write
 * of the shared toggle per round, on both sides), and the candidate's timed round ends only when every comparison it
 * handed over is done ({@link ShadowReads#awaitComparisons}), so the comparisons' own work (a read of the new shape,
 * the mappings, on the comparison thread, sharing the machine's cores) counts against the candidate. Goal: time with
 * shadow reads / time without &lt;= 1.05.
 */
public final class ShadowReadBenchmark {

    static final int DOCUMENTS = 10_000;

    private static final int WARM_UP_OPS = 10_000;

    private static final int ROUNDS = 30;

    private static final int OPS_PER_ROUND = 2_000;

    private static final double RATE = 0.01;

    private static final double GOAL = 1.05;

    private ShadowReadBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @return one result: {@code findById} with shadow reads at 1 % against without
     */
    public static List<BenchmarkResult> run() {
        String database = "benchmark_shadow_" + new ObjectId();
        try (ConfigurableApplicationContext context = RepositoryBenchmark.start(database)) {
            try {
                return List.of(measure(context));
            }
            finally {
                context.getBean(MongoDatabaseFactory.class).getMongoDatabase().drop();
            }
        }
    }

    /**
     * Prints the result.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Benchmarks.print(run());
    }

    private static BenchmarkResult measure(ConfigurableApplicationContext context) {
        BenchPersonRepository phased = context.getBean(BenchPersonRepository.class);
        ShadowReads shadow = context.getBean(ShadowReads.class);
        context.getBean(SettablePhaseSource.class).set(BenchmarkApplication.MIGRATION, Phase.READ_OLD_WRITE_BOTH);
        String migration = BenchmarkApplication.MIGRATION;
        shadow.setSampleRate(migration, 0);
        String[] ids = new String[DOCUMENTS];
        for (int i = 0; i < DOCUMENTS; i++) {
            ids[i] = String.format("person-%05d", i);
            BenchPerson person = new BenchPerson();
            person.setId(ids[i]);
            person.setFirstName("First" + i);
            person.setLastName("Last" + (i % 100));
            person.setEmail("person" + i + "@example.test");
            person.setAge(20 + i % 60);
            person.setPhone(String.format("+1-555-%07d", i));
            phased.save(person);
        }
        Random random = new Random(42);
        long[] checksum = new long[1];
        ShadowReadStats before = shadow.stats(migration);
        Interleaved.Outcome outcome = Interleaved.compare(WARM_UP_OPS, ROUNDS, OPS_PER_ROUND, ops -> {
            shadow.setSampleRate(migration, 0);
            for (int i = 0; i < ops; i++) {
                checksum[0] += phased.findById(ids[random.nextInt(DOCUMENTS)]).orElseThrow().getAge();
            }
        }, ops -> {
            shadow.setSampleRate(migration, RATE);
            for (int i = 0; i < ops; i++) {
                checksum[0] += phased.findById(ids[random.nextInt(DOCUMENTS)]).orElseThrow().getAge();
            }
            if (!shadow.awaitComparisons(Duration.ofMinutes(1))) {
                throw new IllegalStateException("The shadow-read comparisons did not finish within a minute");
            }
        });
        ShadowReadStats after = shadow.stats(migration);
        long compared = after.compared() - before.compared();
        long candidateReads = (long) (WARM_UP_OPS + ROUNDS * OPS_PER_ROUND);
        if (after.mismatches() != before.mismatches() || after.failed() != before.failed()
                || after.dropped() != before.dropped() || compared == 0 || checksum[0] == 0) {
            throw new IllegalStateException("The shadow reads did not run as intended: " + before + " -> " + after);
        }
        double ratio = outcome.medianTimeRatio();
        return new BenchmarkResult("PhasedRepository.findById in READ_OLD_WRITE_BOTH with shadow reads at 1 % "
                + "sampling", "the same findById with the sample rate at 0",
                outcome.baselineOpsPerSecond(), outcome.candidateOpsPerSecond(), ratio,
                "median over rounds of candidate time / baseline time", "<= " + GOAL, ratio <= GOAL,
                String.format("%,d documents in each shape, uniformly random ids; %,d warm-up reads of each kind, "
                        + "then %s; %,d entities compared in %,d sampled reads (%.2f %%), no mismatch, none dropped; "
                        + "1 comparison thread", DOCUMENTS, WARM_UP_OPS, outcome.describe(), compared,
                        after.sampled() - before.sampled(),
                        100.0 * (after.sampled() - before.sampled()) / candidateReads));
    }
}
