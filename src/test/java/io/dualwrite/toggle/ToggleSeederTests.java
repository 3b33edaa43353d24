package io.dualwrite.toggle;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static io.dualwrite.support.TestMigrations.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;
import io.dualwrite.support.TestMongo;
import io.dualwrite.support.ToggleContexts;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.DefaultResourceLoader;
import org.togglz.core.util.NamedFeature;
import org.togglz.mongodb.MongoStateRepository;

/** Seeding the shared toggle states from toggles/&lt;environment&gt;.properties: only where absent, never overwriting. */
class ToggleSeederTests {

    private static MongoClient client;

    private static MigrationRegistry registry;

    @BeforeAll
    static void connect() {
        client = MongoClients.create(TestMongo.uri("seeder_tests"));
        registry = new MigrationRegistry(List.of(TestMigrations.customers(), TestMigrations.orders()));
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    private static MongoDatabase database(String name) {
        MongoDatabase database = client.getDatabase(name);
        database.drop();
        return database;
    }

    private static ToggleSeeder seeder(MongoDatabase database, String environment, String... locations) {
        return new ToggleSeeder(registry, database, ToggleContexts.COLLECTION, new DefaultResourceLoader(),
                List.of(locations), environment);
    }

    private static Phase stored(MongoDatabase database, String id) {
        MongoStateRepository repository = MongoStateRepository.newBuilder(client, database.getName())
                .collection(ToggleContexts.COLLECTION).build();
        return PhaseToggleStates.read(repository.getFeatureState(new NamedFeature(id))).phase();
    }

    @Test
    void seedsTheFilesPhaseAndOldOnlyForMigrationsTheFileDoesNotMention() {
        MongoDatabase database = database("seeder_file");
        Map<String, Phase> seeded = seeder(database, "default", "classpath:toggles-test/good/").seed();
        assertThat(seeded).containsExactly(Map.entry(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH),
                Map.entry(ORDERS, Phase.OLD_ONLY));
        assertThat(stored(database, CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(stored(database, ORDERS)).isEqualTo(Phase.OLD_ONLY);
        Document document = database.getCollection(ToggleContexts.COLLECTION).find(Filters.eq("feature", CUSTOMERS))
                .first();
        assertThat(document).containsEntry("enabled", true).containsEntry("strategy", "dualwrite-phase")
                .containsEntry("params", new Document("phase", "READ_OLD_WRITE_BOTH"));
    }

    @Test
    void neverOverwritesAnExistingState() {
        MongoDatabase database = database("seeder_existing");
        MongoStateRepository repository = MongoStateRepository.newBuilder(client, database.getName())
                .collection(ToggleContexts.COLLECTION).build();
        repository.setFeatureState(PhaseToggleStates.stateFor(CUSTOMERS, Phase.READ_NEW_WRITE_NEW));

        Map<String, Phase> seeded = seeder(database, "production", "classpath:toggles-test/good/").seed();

        assertThat(seeded).containsOnlyKeys(ORDERS);
        assertThat(stored(database, CUSTOMERS)).isEqualTo(Phase.READ_NEW_WRITE_NEW);
        assertThat(seeder(database, "production", "classpath:toggles-test/good/").seed()).isEmpty();
        assertThat(stored(database, ORDERS)).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void theFirstLocationHoldingTheFileWins() {
        MongoDatabase database = database("seeder_locations");
        ToggleSeeder seeder = seeder(database, "default", "classpath:toggles-test/empty/",
                "classpath:toggles-test/second/", "classpath:toggles-test/good/");
        assertThat(seeder.findFile()).get().extracting(r -> r.getDescription()).asString().contains("second");
        assertThat(seeder.seed()).containsEntry(ORDERS, Phase.READ_NEW_WRITE_NEW)
                .containsEntry(CUSTOMERS, Phase.OLD_ONLY);
    }

    @Test
    void instancesSeedingAtTheSameMomentInsertEachStateOnce() throws Exception {
        MongoDatabase database = database("seeder_race");
        int instances = 8;
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Map<String, Phase>>> results = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                Callable<Map<String, Phase>> seeding = () -> {
                    start.await();
                    return seeder(database, "default", "classpath:toggles-test/good/").seed();
                };
                results.add(pool.submit(seeding));
            }
            start.countDown();
            int customersInserts = 0;
            int ordersInserts = 0;
            for (Future<Map<String, Phase>> result : results) {
                Map<String, Phase> seeded = result.get();
                customersInserts += seeded.containsKey(CUSTOMERS) ? 1 : 0;
                ordersInserts += seeded.containsKey(ORDERS) ? 1 : 0;
            }
            assertThat(customersInserts).isEqualTo(1);
            assertThat(ordersInserts).isEqualTo(1);
        }
        finally {
            pool.shutdownNow();
        }
        MongoCollection<Document> states = database.getCollection(ToggleContexts.COLLECTION);
        assertThat(states.countDocuments(Filters.eq("feature", CUSTOMERS))).isEqualTo(1);
        assertThat(states.countDocuments(Filters.eq("feature", ORDERS))).isEqualTo(1);
    }

    @Test
    void anUndeclaredMigrationInTheFileFailsNamingFileLineAndProblem() {
        MongoDatabase database = database("seeder_bad_id");
        assertThatIllegalStateException()
                .isThrownBy(() -> seeder(database, "default", "classpath:toggles-test/bad-id/").seed())
                .withMessageContaining("toggles-test/bad-id/default.properties")
                .withMessageContaining("line 3: no migration 'customer-v2' is declared (declared: customers-v2, orders.v3)");
        assertThat(database.getCollection(ToggleContexts.COLLECTION).countDocuments()).as("nothing seeded").isZero();
    }

    @Test
    void aBadPhaseOrMalformedLineFailsNamingEachLine() {
        MongoDatabase database = database("seeder_bad_phase");
        assertThatIllegalStateException()
                .isThrownBy(() -> seeder(database, "default", "classpath:toggles-test/bad-phase/").seed())
                .withMessageContaining("toggles-test/bad-phase/default.properties")
                .withMessageContaining("line 1: migration 'customers-v2': 'BANANA' is not a phase; use one of OLD_ONLY")
                .withMessageContaining("line 2: 'orders.v3 READ_NEW_WRITE_NEW' is not of the form <migration-id>=<PHASE>");
    }

    @Test
    void aBadFileFailsStartup() {
        ToggleContexts.runner("seeder_bad_startup", new MutableClock())
                .withPropertyValues("dualwrite.toggles.locations=classpath:toggles-test/bad-id/")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessageContaining("toggles-test/bad-id/default.properties")
                            .hasMessageContaining("line 3: no migration 'customer-v2'");
                });
    }

    @Test
    void theEnvironmentPicksTheFileAtStartup() {
        ToggleContexts.runner("seeder_environment", new MutableClock())
                .withPropertyValues("dualwrite.toggles.locations=classpath:toggles-test/good/",
                        "dualwrite.toggles.environment=production")
                .run(context -> assertThat(context.getBean(TogglzPhaseSource.class).currentPhase(CUSTOMERS))
                        .isEqualTo(Phase.READ_NEW_WRITE_BOTH));
    }

    @Test
    void theToggleFilesShippedInTheRepositoryAreValid() {
        for (String environment : List.of("default", "production")) {
            MongoDatabase database = database("seeder_shipped_" + environment);
            ToggleSeeder seeder = seeder(database, environment, "file:./toggles/");
            assertThat(seeder.findFile()).as(environment).isPresent();
            assertThat(seeder.seed()).containsEntry(CUSTOMERS, Phase.OLD_ONLY);
        }
    }
}
