package io.dualwrite.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import org.bson.Document;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.MongoDatabaseFactory;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.Counts;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.PhasedStores;

/**
 * The client side of the copier benchmark, run in a JVM of its own with a small heap ({@link CopierBenchmark} starts
 * it): a Spring context of the fixture application ({@link FixtureApplication}, migration {@code people-v2} from
 * {@code people_v1} to {@code people_v2}) connected to a {@link BenchmarkMongoServer} in another JVM. It seeds the old
 * collection with legacy documents, warms up with a round of all three runs at full size (the first runs after the
 * seeding are slower for every kind; the first copier run also builds the embedded server's ordered view of the old
 * collection's ids), then measures, in rounds whose order rotates:
 * <ul>
 * <li>{@code raw}: the baseline, {@code insertMany} batches of 1,000 into an empty collection of exactly the documents
 * the migration's mapping makes of the legacy documents ({@code _id}, the mapped fields, version 0: what the copier
 * writes for them), generated and mapped in this JVM, with no guard and nothing read from the server;</li>
 * <li>{@code copier-1} and {@code copier-2}: {@link Copier#run} of the migration into an empty {@code people_v2} with
 * the copier's default options and 1 or 2 workers (the time includes planning the partitions and finishing the
 * run).</li>
 * </ul>
 * Every run starts with both targets dropped (so each runs next to the same million old documents), then the server
 * collects its garbage ({@code @gc} on standard output, answered by a line on standard input) so that a run is not
 * charged for the previous one's. Each measurement is printed as an {@code @result} line. At the end the target the
 * last run did not leave is made again (not measured) and the two are compared document by document: the copier and
 * the baseline wrote the very same documents. Then {@code @heap} reports this JVM's peak heap.
 */
public final class CopierWorkload {

    static final String DATABASE = "copier_benchmark";

    static final String OLD_COLLECTION = "people_v1";

    static final String NEW_COLLECTION = "people_v2";

    static final String RAW_COLLECTION = "people_v2_raw";

    static final int BATCH = 1_000;

    private final ConfigurableApplicationContext context;

    private final MongoDatabase database;

    private final Copier copier;

    private final PhasedStore<?> store;

    private final Runnable collectServerGarbage;

    private int documents;

    CopierWorkload(ConfigurableApplicationContext context, Runnable collectServerGarbage) {
        this.context = context;
        this.database = context.getBean(MongoDatabaseFactory.class).getMongoDatabase();
        this.copier = context.getBean(Copier.class);
        this.store = context.getBean(PhasedStores.class).forMigration(TestMigrations.PEOPLE);
        this.collectServerGarbage = collectServerGarbage;
    }

    /** One measured run. */
    record Measurement(String kind, int round, long documents, long nanos, int partitions) {

        double opsPerSecond() {
            return documents / (nanos / 1e9);
        }

        String encode() {
            return String.format(Locale.ROOT, "kind=%s round=%d documents=%d nanos=%d partitions=%d", kind, round,
                    documents, nanos, partitions);
        }

        static Measurement decode(String line) {
            java.util.Map<String, String> fields = new java.util.HashMap<>();
            for (String field : line.trim().split(" ")) {
                int equals = field.indexOf('=');
                fields.put(field.substring(0, equals), field.substring(equals + 1));
            }
            return new Measurement(fields.get("kind"), Integer.parseInt(fields.get("round")),
                    Long.parseLong(fields.get("documents")), Long.parseLong(fields.get("nanos")),
                    Integer.parseInt(fields.get("partitions")));
        }
    }

    /**
     * Runs the workload against the server at {@code args[0]} (a connection string without database) and prints the
     * results: {@code args[1]} documents, {@code args[2]} measured rounds, {@code args[3]} warm-up rounds (0: none).
     */
    public static void main(String[] args) {
        String uri = args[0];
        int documents = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int warmUpRounds = Integer.parseInt(args[3]);
        BufferedReader answers = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Runnable gc = () -> {
            System.out.println("@gc");
            System.out.flush();
            try {
                if (answers.readLine() == null) {
                    throw new IllegalStateException("The benchmark parent went away");
                }
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        };
        try (ConfigurableApplicationContext context = start(uri)) {
            new CopierWorkload(context, gc).run(documents, rounds, warmUpRounds,
                    measurement -> System.out.println("@result " + measurement.encode()));
        }
        System.out.println("@heap " + BenchmarkMongoServer.peakHeapMiB());
        System.out.flush();
    }

    static ConfigurableApplicationContext start(String uri) {
        return new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .properties("spring.mongodb.uri=" + uri + DATABASE, "dualwrite.embedded.enabled=false",
                        // the repository's toggles/ directory belongs to the sample service
                        "dualwrite.toggles.environment=none", "dualwrite.toggles.poll-in-background=false",
                        "spring.main.banner-mode=off", "spring.main.log-startup-info=false",
                        "spring.thymeleaf.check-template-location=false",
                        "logging.level.root=WARN", "logging.level.io.dualwrite.copier=INFO")
                .run();
    }

    /** Seeds, warms up ({@code warmUpRounds} rounds not measured), measures {@code rounds} rounds, checks the data. */
    void run(int documents, int rounds, int warmUpRounds, Consumer<Measurement> results) {
        context.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
        dropAll();
        seed(documents);
        for (int round = 0; round < warmUpRounds; round++) {
            raw(-1);
            copy(-1, 1);
            copy(-1, 2);
        }
        String[] kinds = { "raw", "copier-1", "copier-2" };
        String last = null;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < kinds.length; i++) {
                last = kinds[(i + round) % kinds.length];
                results.accept(switch (last) {
                    case "raw" -> raw(round);
                    case "copier-1" -> copy(round, 1);
                    default -> copy(round, 2);
                });
            }
        }
        // the last run left its target; make the other one again (not measured) and compare them
        if ("raw".equals(last)) {
            copy(-1, 1, false);
        }
        else {
            raw(-1, false);
        }
        compareTargets();
    }

    /** The legacy document number {@code i} of the old shape (as in {@code CopierTests.legacy}, wider ids). */
    static Document legacy(int i) {
        return new Document("_id", String.format("p%07d", i)).append("first_name", "First" + i)
                .append("last_name", "Last" + i).append("mail", "p" + i + "@example.com")
                .append("age_text", Integer.toString(i % 90)).append("phone", "555-" + i);
    }

    private void seed(int count) {
        MongoCollection<Document> old = database.getCollection(OLD_COLLECTION);
        List<Document> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < count; i++) {
            batch.add(legacy(i));
            if (batch.size() == BATCH || i == count - 1) {
                old.insertMany(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        expectCount(OLD_COLLECTION, count);
        documents = count;
    }

    /** The baseline: the mapped documents, insertMany in batches of 1,000, into an empty collection. */
    private Measurement raw(int round) {
        return raw(round, true);
    }

    private Measurement raw(int round, boolean dropTargets) {
        MongoCollection<Document> target = database.getCollection(RAW_COLLECTION);
        drop(dropTargets ? List.of(RAW_COLLECTION, NEW_COLLECTION) : List.of(RAW_COLLECTION));
        collectServerGarbage.run();
        String versionField = store.versionField();
        long start = System.nanoTime();
        List<Document> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < documents; i++) {
            Document legacy = legacy(i);
            Document copy = new Document("_id", legacy.get("_id"));
            copy.putAll(store.convert(legacy, Shape.OLD, Shape.NEW));
            copy.put(versionField, 0L); // a legacy document has no version: the copier writes 0
            batch.add(copy);
            if (batch.size() == BATCH || i == documents - 1) {
                target.insertMany(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        long nanos = System.nanoTime() - start;
        expectCount(RAW_COLLECTION, documents);
        return new Measurement("raw", round, documents, nanos, 0);
    }

    /** The copier with its default options and {@code workers} workers, into an empty new collection. */
    private Measurement copy(int round, int workers) {
        return copy(round, workers, true);
    }

    private Measurement copy(int round, int workers, boolean dropTargets) {
        drop(dropTargets ? List.of(RAW_COLLECTION, NEW_COLLECTION) : List.of(NEW_COLLECTION));
        collectServerGarbage.run();
        JobOptions options = copier.defaults().withWorkers(workers);
        long start = System.nanoTime();
        JobRun run;
        try {
            run = copier.run(TestMigrations.PEOPLE, options);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while copying", ex);
        }
        long nanos = System.nanoTime() - start;
        if (run.status() != JobStatus.FINISHED || run.count(Counts.COPIED) != documents
                || run.processed() != documents) {
            throw new IllegalStateException("The copier run did not copy all " + documents + " documents: " + run);
        }
        expectCount(NEW_COLLECTION, documents);
        return new Measurement("copier-" + workers, round, documents, nanos, run.partitions());
    }

    /** The copier's target and the baseline's hold exactly the same documents. */
    private void compareTargets() {
        MongoCollection<Document> copied = database.getCollection(NEW_COLLECTION);
        MongoCollection<Document> raw = database.getCollection(RAW_COLLECTION);
        long compared = 0;
        try (MongoCursor<Document> a = copied.find().sort(Sorts.ascending("_id")).batchSize(BATCH).iterator();
                MongoCursor<Document> b = raw.find().sort(Sorts.ascending("_id")).batchSize(BATCH).iterator()) {
            while (a.hasNext() && b.hasNext()) {
                Document fromCopier = a.next();
                Document fromRaw = b.next();
                if (!fromCopier.equals(fromRaw)) {
                    throw new IllegalStateException("The copier and the baseline wrote different documents: "
                            + fromCopier.toJson() + " vs " + fromRaw.toJson());
                }
                compared++;
            }
            if (a.hasNext() || b.hasNext() || compared != documents) {
                throw new IllegalStateException("The copier's target and the baseline's differ in size");
            }
        }
    }

    private void expectCount(String collection, long expected) {
        long count = database.getCollection(collection).estimatedDocumentCount(); // exact on this server
        if (count != expected) {
            throw new IllegalStateException(collection + " holds " + count + " documents, expected " + expected);
        }
    }

    private void dropAll() {
        drop(database.listCollectionNames().into(new ArrayList<>()));
    }

    /** Drops the collections that exist (the server logs an error for dropping one that does not). */
    private void drop(List<String> names) {
        List<String> existing = database.listCollectionNames().into(new ArrayList<>());
        for (String name : names) {
            if (existing.contains(name)) {
                database.getCollection(name).drop();
            }
        }
    }
}
