package io.dualwrite.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.MongoDatabaseFactory;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.autoconfigure.DualWriteProperties;
import io.dualwrite.fixtures.SettablePhaseSource;

/**
 * The phased repository against plain Spring Data, through a real Spring application context
 * ({@link BenchmarkApplication}) on the library's embedded server, in a database of its own:
 * <ul>
 * <li>{@code findById} of a {@link BenchPersonRepository} (a {@code PhasedRepository}) against {@code findById} of a
 * plain {@link PlainPersonRepository} reading equivalent documents from its own collection, once in
 * {@code READ_OLD_WRITE_BOTH} (reads the old, hand-mapped shape) and once in {@code READ_NEW_WRITE_BOTH} (reads the
 * new, Spring-Data-mapped shape). Goal: phased time / plain time &lt;= 1.05.</li>
 * <li>{@code save} of an update through the phased repository in {@code READ_OLD_WRITE_BOTH} and in
 * {@code READ_NEW_WRITE_BOTH} (two writes: compare-and-set on old, then the guarded new shape) against the same repository in
 * {@code OLD_ONLY} (one write). Goal: write-both time / single-shape time &lt;= 2.1.</li>
 * </ul>
 * Every comparison warms up first, then alternates baseline and candidate in rounds and reports the median of the
 * per-round time ratios (see {@link Interleaved}).
 */
public final class RepositoryBenchmark {

    static final int DOCUMENTS = 10_000;

    private static final int READ_WARM_UP_OPS = 10_000;

    private static final int READ_ROUNDS = 30;

    private static final int READ_OPS_PER_ROUND = 2_000;

    private static final int WRITE_WARM_UP_OPS = 5_000;

    private static final int WRITE_ROUNDS = 60;

    private static final int WRITE_OPS_PER_ROUND = 1_000;

    private static final double READ_GOAL = 1.05;

    private static final double WRITE_GOAL = 2.1;

    private RepositoryBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @return {@code findById} in a read-old and a read-new phase, then {@code save} in the two write-both phases
     */
    public static List<BenchmarkResult> run() {
        String database = "benchmark_repository_" + new ObjectId();
        try (ConfigurableApplicationContext context = start(database)) {
            try {
                return new Run(context).measure();
            }
            finally {
                context.getBean(MongoDatabaseFactory.class).getMongoDatabase().drop();
            }
        }
    }

    /**
     * Prints the results.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Benchmarks.print(run());
    }

    static ConfigurableApplicationContext start(String database) {
        return new SpringApplicationBuilder(BenchmarkApplication.class).web(WebApplicationType.NONE)
                .properties("dualwrite.embedded.database=" + database,
                        // the repository's toggles/ directory belongs to the sample service
                        "dualwrite.toggles.environment=none", "dualwrite.toggles.poll-in-background=false",
                        "spring.main.banner-mode=off", "spring.main.log-startup-info=false",
                        // the Togglz starter brings Thymeleaf, which would warn about a missing templates folder
                        "spring.thymeleaf.check-template-location=false",
                        "logging.level.root=WARN", "logging.level.io.dualwrite=WARN")
                .run();
    }

    /** One benchmark run in one context. */
    private static final class Run {

        private final BenchPersonRepository phased;

        private final PlainPersonRepository plain;

        private final SettablePhaseSource phases;

        private final MongoDatabase database;

        private final String repairsCollection;

        private final String[] ids = new String[DOCUMENTS];

        /** The latest saved state of every phased entity (so each update carries the current version). */
        private final BenchPerson[] entities = new BenchPerson[DOCUMENTS];

        private final Random random = new Random(42);

        private long checksum;

        Run(ConfigurableApplicationContext context) {
            this.phased = context.getBean(BenchPersonRepository.class);
            this.plain = context.getBean(PlainPersonRepository.class);
            this.phases = context.getBean(SettablePhaseSource.class);
            this.database = context.getBean(MongoDatabaseFactory.class).getMongoDatabase();
            this.repairsCollection = context.getBean(DualWriteProperties.class).getCollections().getRepairs();
        }

        List<BenchmarkResult> measure() {
            load();
            List<BenchmarkResult> results = new ArrayList<>();
            results.add(reads(Phase.READ_OLD_WRITE_BOTH, "old shape, hand-written DocumentMapping"));
            results.add(reads(Phase.READ_NEW_WRITE_BOTH, "new shape, ShapeDeclaration.springData"));
            results.add(writes(Phase.READ_OLD_WRITE_BOTH));
            results.add(writes(Phase.READ_NEW_WRITE_BOTH));
            check();
            return results;
        }

        /** Both shapes of every phased entity (saved through the repository in a write-both phase), and the plain. */
        private void load() {
            phases.set(BenchmarkApplication.MIGRATION, Phase.READ_OLD_WRITE_BOTH);
            List<PlainPerson> plainPeople = new ArrayList<>(DOCUMENTS);
            for (int i = 0; i < DOCUMENTS; i++) {
                ids[i] = String.format("person-%05d", i);
                entities[i] = phased.save(fill(new BenchPerson(), i));
                plainPeople.add(fill(new PlainPerson(), i));
            }
            plain.saveAll(plainPeople);
            expectCount(BenchmarkApplication.OLD_COLLECTION, DOCUMENTS);
            expectCount(BenchmarkApplication.NEW_COLLECTION, DOCUMENTS);
            expectCount("bench_plain_people", DOCUMENTS);
        }

        private <P extends io.dualwrite.fixtures.PersonFields> P fill(P person, int i) {
            person.setId(ids[i]);
            person.setFirstName("First" + i);
            person.setLastName("Last" + (i % 100));
            person.setEmail("person" + i + "@example.test");
            person.setAge(20 + i % 60);
            person.setPhone(String.format("+1-555-%07d", i));
            return person;
        }

        private BenchmarkResult reads(Phase phase, String shape) {
            phases.set(BenchmarkApplication.MIGRATION, phase);
            Interleaved.Outcome outcome = Interleaved.compare(READ_WARM_UP_OPS, READ_ROUNDS, READ_OPS_PER_ROUND,
                    ops -> {
                        for (int i = 0; i < ops; i++) {
                            checksum += plain.findById(ids[random.nextInt(DOCUMENTS)]).orElseThrow().getAge();
                        }
                    }, ops -> {
                        for (int i = 0; i < ops; i++) {
                            checksum += phased.findById(ids[random.nextInt(DOCUMENTS)]).orElseThrow().getAge();
                        }
                    });
            double ratio = outcome.medianTimeRatio();
            return new BenchmarkResult("PhasedRepository.findById in " + phase + " (reads the " + shape + ")",
                    "plain Spring Data MongoRepository.findById of an equivalent @Document entity, own collection, "
                            + "same context",
                    outcome.baselineOpsPerSecond(), outcome.candidateOpsPerSecond(), ratio,
                    "median over rounds of candidate time / baseline time", "<= " + READ_GOAL, ratio <= READ_GOAL,
                    String.format("%,d documents in each collection, uniformly random ids; %,d warm-up reads of "
                            + "each kind, then %s", DOCUMENTS, READ_WARM_UP_OPS, outcome.describe()));
        }

        /**
         * Updates through the phased repository: the candidate in a write-both phase on the first half of the ids,
         * the baseline in {@code OLD_ONLY} on the second half (so that the new shape of the candidate's entities is
         * never left behind by single-shape writes, which would make {@code READ_NEW_WRITE_BOTH} refuse them).
         */
        private BenchmarkResult writes(Phase phase) {
            int half = DOCUMENTS / 2;
            Interleaved.Outcome outcome = Interleaved.compare(WRITE_WARM_UP_OPS, WRITE_ROUNDS, WRITE_OPS_PER_ROUND,
                    ops -> {
                        phases.set(BenchmarkApplication.MIGRATION, Phase.OLD_ONLY);
                        update(half, half, ops);
                    }, ops -> {
                        phases.set(BenchmarkApplication.MIGRATION, phase);
                        update(0, half, ops);
                    });
            double ratio = outcome.medianTimeRatio();
            return new BenchmarkResult("PhasedRepository.save (update) in " + phase + " (old shape, then new"
                    + (phase.readShape() == io.dualwrite.Shape.NEW ? "; acknowledged once new has it" : "") + ")",
                    "the same PhasedRepository.save (update) in OLD_ONLY (old shape only)",
                    outcome.baselineOpsPerSecond(), outcome.candidateOpsPerSecond(), ratio,
                    "median over rounds of candidate time / baseline time", "<= " + WRITE_GOAL, ratio <= WRITE_GOAL,
                    String.format("%,d entities in each shape; each save updates a uniformly random entity (of %,d) "
                            + "with the entity the previous save returned; %,d warm-up saves of each kind, then %s",
                            DOCUMENTS, half, WRITE_WARM_UP_OPS, outcome.describe()));
        }

        private void update(int from, int count, int ops) {
            for (int i = 0; i < ops; i++) {
                int index = from + random.nextInt(count);
                BenchPerson entity = entities[index];
                entity.setAge(entity.getAge() + 1);
                entities[index] = phased.save(entity);
            }
        }

        /** The saves must all have been the intended ones: no second write failed or was refused. */
        private void check() {
            long repairs = database.getCollection(repairsCollection).countDocuments();
            if (repairs != 0) {
                throw new IllegalStateException(repairs + " second writes failed during the benchmark: see "
                        + repairsCollection + "; the figures would measure failure paths");
            }
            for (int i = 0; i < DOCUMENTS / 2; i += 97) {
                Document old = database.getCollection(BenchmarkApplication.OLD_COLLECTION)
                    .find(Filters.eq("_id", ids[i])).first();
                Document current = database.getCollection(BenchmarkApplication.NEW_COLLECTION)
                    .find(Filters.eq("_id", ids[i])).first();
                if (old == null || current == null || !old.get("version").equals(current.get("version"))
                        || !entities[i].getVersion().equals(current.get("version"))) {
                    throw new IllegalStateException("Shapes of " + ids[i] + " differ after the write-both saves: "
                            + old + " / " + current);
                }
            }
            if (checksum == 0) {
                throw new IllegalStateException("No entity was read");
            }
        }

        private void expectCount(String collection, long expected) {
            long count = database.getCollection(collection).countDocuments();
            if (count != expected) {
                throw new IllegalStateException("Benchmark data set incomplete: " + collection + " holds " + count
                        + " documents, expected " + expected);
            }
        }
    }
}
