package io.dualwrite.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.result.UpdateResult;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.dualwrite.embedded.EmbeddedMongoServer;
import io.dualwrite.embedded.IdIndexedMemoryBackend;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * The cost of the optimistic guard on the embedded server: a guarded save
 * {@code replaceOne({_id: id, version: v}, doc with version v+1)} against a plain save
 * {@code replaceOne({_id: id}, doc)}, at 100,000 documents, same process, same collection, warm-up first, then
 * interleaved rounds (alternating which kind goes first). Goal: the median over the rounds of guarded / plain
 * (ops/s) &gt;= 0.5.
 * <p>
 * For information it also measures the same guarded save on mongo-java-server's stock {@link MemoryBackend}, which
 * scans the collection for such a filter; only a few hundred writes there, so the whole run stays well under a
 * minute.
 */
public final class GuardedWriteBenchmark {

    static final int DOCUMENTS = 100_000;

    private static final int WARM_UP_OPS = 3_000;

    private static final int ROUNDS = 6;

    private static final int OPS_PER_ROUND = 2_000;

    private static final int STOCK_WARM_UP_OPS = 20;

    private static final int STOCK_OPS = 200;

    private GuardedWriteBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @return guarded vs plain on {@link IdIndexedMemoryBackend}; then, for information, guarded on
     * {@link IdIndexedMemoryBackend} vs guarded on the stock {@link MemoryBackend}
     */
    public static List<BenchmarkResult> run() {
        String databaseName = "benchmark_guarded_" + new ObjectId();
        double guardedOps;
        double plainOps;
        double medianRatio;
        try (MongoClient client = MongoClients.create(EmbeddedMongoServer.connectionString())) {
            MongoDatabase database = client.getDatabase(databaseName);
            Workload workload = new Workload(database.getCollection("items"), 1);
            workload.load();
            workload.guarded(WARM_UP_OPS);
            workload.plain(WARM_UP_OPS);
            long guardedNanos = 0;
            long plainNanos = 0;
            double[] rateRatios = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                long guardedTime;
                long plainTime;
                if (round % 2 == 0) {
                    guardedTime = workload.guarded(OPS_PER_ROUND);
                    plainTime = workload.plain(OPS_PER_ROUND);
                }
                else {
                    plainTime = workload.plain(OPS_PER_ROUND);
                    guardedTime = workload.guarded(OPS_PER_ROUND);
                }
                guardedNanos += guardedTime;
                plainNanos += plainTime;
                // same number of writes on each side: guarded ops/s / plain ops/s = plain time / guarded time
                rateRatios[round] = (double) plainTime / guardedTime;
            }
            guardedOps = opsPerSecond(ROUNDS * OPS_PER_ROUND, guardedNanos);
            plainOps = opsPerSecond(ROUNDS * OPS_PER_ROUND, plainNanos);
            medianRatio = Interleaved.median(rateRatios);
            database.drop();
        }

        double stockGuardedOps;
        MongoServer stockServer = EmbeddedMongoServer.startStandalone(new MemoryBackend());
        try (MongoClient client = MongoClients
            .create("mongodb://127.0.0.1:" + stockServer.getLocalAddress().getPort() + "/")) {
            Workload workload = new Workload(client.getDatabase(databaseName).getCollection("items"), 2);
            workload.load();
            workload.guarded(STOCK_WARM_UP_OPS);
            stockGuardedOps = opsPerSecond(STOCK_OPS, workload.guarded(STOCK_OPS));
        }
        finally {
            stockServer.shutdownNow();
        }

        String setting = String.format("%,d documents of ~100 bytes, uniformly random ids, JDK %s, %d cores",
                DOCUMENTS, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        double ratio = medianRatio;
        BenchmarkResult guardVsPlain = new BenchmarkResult(
                "Guarded save replaceOne({_id, version: v}) on the embedded server (IdIndexedMemoryBackend)",
                "plain save replaceOne({_id})", plainOps, guardedOps, ratio,
                "median over rounds of candidate ops/s / baseline ops/s", ">= 0.5", ratio >= 0.5,
                setting + "; " + WARM_UP_OPS + " warm-up writes of each kind, then " + ROUNDS + " interleaved rounds of "
                        + OPS_PER_ROUND + " writes of each kind");
        double speedUp = guardedOps / stockGuardedOps;
        BenchmarkResult indexedVsStock = new BenchmarkResult(
                "Guarded save replaceOne({_id, version: v}): IdIndexedMemoryBackend vs stock MemoryBackend (information)",
                "stock mongo-java-server MemoryBackend (scans the collection)", stockGuardedOps, guardedOps, speedUp,
                "candidate ops/s / baseline ops/s", "information only", true,
                setting + "; stock backend: " + STOCK_WARM_UP_OPS + " warm-up + " + STOCK_OPS + " measured writes");
        return List.of(guardVsPlain, indexedVsStock);
    }

    /**
     * Prints the results.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        for (BenchmarkResult result : run()) {
            System.out.printf("%s%n  baseline (%s): %,.0f ops/s%n  candidate: %,.0f ops/s%n  ratio (%s): %.2f, goal %s: %s%n"
                    + "  %s%n", result.name(), result.baseline(), result.baselineOpsPerSecond(),
                    result.candidateOpsPerSecond(), result.ratioMeaning(), result.ratio(), result.goal(),
                    result.met() ? "met" : "NOT met", result.notes());
        }
    }

    private static double opsPerSecond(int ops, long nanos) {
        return ops / (nanos / 1e9);
    }

    /** One collection of {@link #DOCUMENTS} versioned documents and the two kinds of save. */
    private static final class Workload {

        private final MongoCollection<Document> collection;

        private final long[] versions = new long[DOCUMENTS];

        private final Random random;

        Workload(MongoCollection<Document> collection, long seed) {
            this.collection = collection;
            this.random = new Random(seed);
        }

        void load() {
            List<Document> batch = new ArrayList<>(1_000);
            for (int id = 0; id < DOCUMENTS; id++) {
                batch.add(document(id, 0L));
                if (batch.size() == 1_000) {
                    collection.insertMany(batch);
                    batch.clear();
                }
            }
            if (collection.countDocuments() != DOCUMENTS) {
                throw new IllegalStateException("Benchmark data set incomplete: expected " + DOCUMENTS + " documents");
            }
        }

        /** Compare-and-set saves; each must apply, or the benchmark would be measuring misses. */
        long guarded(int ops) {
            long start = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                int id = random.nextInt(DOCUMENTS);
                long version = versions[id];
                UpdateResult result = collection.replaceOne(new Document("_id", id).append("version", version),
                        document(id, version + 1));
                if (result.getModifiedCount() != 1) {
                    throw new IllegalStateException("Guarded save of _id " + id + " at version " + version
                            + " did not apply: " + result);
                }
                versions[id] = version + 1;
            }
            return System.nanoTime() - start;
        }

        /** Unguarded saves (the version is written unchanged, so later guarded saves still apply). */
        long plain(int ops) {
            long start = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                int id = random.nextInt(DOCUMENTS);
                UpdateResult result = collection.replaceOne(new Document("_id", id), document(id, versions[id]));
                if (result.getMatchedCount() != 1) {
                    throw new IllegalStateException("Plain save of _id " + id + " matched nothing: " + result);
                }
            }
            return System.nanoTime() - start;
        }

        private Document document(int id, long version) {
            return new Document("_id", id).append("version", version)
                .append("name", "customer " + id)
                .append("email", "customer" + id + "@example.test")
                .append("touched", random.nextInt());
        }
    }
}
