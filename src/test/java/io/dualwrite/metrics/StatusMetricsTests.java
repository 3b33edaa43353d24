package io.dualwrite.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.spi.ShapeTraffic;
import io.dualwrite.status.StatusSnapshots;
import io.dualwrite.support.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * dualwrite's Micrometer meters: reads and writes per shape as the phase routes them, failed second writes, and the
 * gauges of instances per phase, this instance's phase, unrepaired writes and the latest verification, read from a
 * snapshot refreshed on the injected clock (a scrape costs no query while it is fresh).
 */
class StatusMetricsTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext context;

    private static MeterRegistry meters;

    private static SettablePhaseSource phases;

    private static PersonRepository people;

    private static MongoDatabase database;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .properties("dualwrite.embedded.database=status_metrics_tests", "dualwrite.toggles.environment=none",
                        "dualwrite.toggles.poll-in-background=false", "dualwrite.instances.enabled=false",
                        "dualwrite.status.cache-ttl=5s", "dualwrite.copier.poll-interval=20ms",
                        "spring.main.banner-mode=off")
                .initializers(initialized -> ((GenericApplicationContext) initialized)
                        .registerBean("testClock", Clock.class, () -> clock))
                .run();
        meters = context.getBean(MeterRegistry.class);
        phases = context.getBean(SettablePhaseSource.class);
        people = context.getBean(PersonRepository.class);
        database = Fixtures.database(context);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clean() {
        Fixtures.clear(context);
        phases.setAll(Phase.OLD_ONLY);
    }

    @Test
    void countsReadsAndWritesPerShapeAsThePhaseRoutesThem() {
        Map<String, Double> before = traffic();

        phases.set(PEOPLE, Phase.OLD_ONLY);
        Person ada = people.save(Person.of("Ada", "Lovelace", "ada@example.com", 36, "+44 1"));
        people.findById(ada.getId());
        phases.set(PEOPLE, Phase.READ_OLD_WRITE_BOTH);
        ada = people.save(ada);
        people.findAll();
        phases.set(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        people.findByEmail("ada@example.com");
        people.count();
        phases.set(PEOPLE, Phase.READ_NEW_WRITE_NEW);
        ada = people.save(ada);
        people.delete(ada);

        Map<String, Double> after = traffic();
        assertThat(after.get("reads/old") - before.get("reads/old")).isEqualTo(2);
        assertThat(after.get("reads/new") - before.get("reads/new")).isEqualTo(2);
        assertThat(after.get("writes/old") - before.get("writes/old")).isEqualTo(2);
        assertThat(after.get("writes/new") - before.get("writes/new")).isEqualTo(3);
    }

    @Test
    void everyMigrationHasItsCountersBeforeAnyTraffic() {
        for (String migration : context.getBean(MigrationRegistry.class).ids()) {
            for (String name : List.of(ShapeTrafficMeters.READS, ShapeTrafficMeters.WRITES,
                    ShapeTrafficMeters.SECOND_WRITE_FAILURES)) {
                for (Shape shape : Shape.values()) {
                    assertThat(meters.find(name).tags("migration", migration, "shape", shape.tag()).counter())
                            .as("%s %s %s", name, migration, shape).isNotNull();
                }
            }
        }
    }

    @Test
    void countsASecondWriteLeftForRepairAndTheUnrepairedGaugeFollowsOnceTheSnapshotIsStale() {
        database.getCollection("people_v2").createIndex(Indexes.ascending("email"),
                new IndexOptions().unique(true).partialFilterExpression(new Document("email",
                        new Document("$exists", true))));
        double failuresBefore = counter(ShapeTrafficMeters.SECOND_WRITE_FAILURES, "new");
        double unrepairedBefore = gauge("dualwrite.second-write.unrepaired", PEOPLE);

        phases.set(PEOPLE, Phase.READ_OLD_WRITE_BOTH);
        people.save(Person.of("Ada", "Lovelace", "same@example.com", 36, "+44 1"));
        people.save(Person.of("Grace", "Hopper", "same@example.com", 85, "+1 2")); // new shape refuses: same email

        assertThat(counter(ShapeTrafficMeters.SECOND_WRITE_FAILURES, "new") - failuresBefore).isEqualTo(1);
        assertThat(counter(ShapeTrafficMeters.SECOND_WRITE_FAILURES, "old")).isZero();
        assertThat(gauge("dualwrite.second-write.unrepaired", PEOPLE)).as("cached").isEqualTo(unrepairedBefore);
        clock.advance(Duration.ofSeconds(5));
        assertThat(gauge("dualwrite.second-write.unrepaired", PEOPLE)).isEqualTo(1);
    }

    @Test
    void instancesPerPhaseComeFromASnapshotReadAgainOnlyAfterTheTtl() {
        clock.advance(Duration.ofSeconds(5));
        assertThat(instances(Phase.OLD_ONLY)).isZero();
        heartbeat("web-1", Phase.READ_OLD_WRITE_BOTH);
        heartbeat("web-2", Phase.READ_OLD_WRITE_BOTH);
        heartbeat("web-3", Phase.OLD_ONLY);
        database.getCollection("dualwrite_instances").insertOne(new Document("_id", "old-release").append("host", "h")
                .append("lastHeartbeat", Date.from(clock.instant())).append("phases", List.of()));

        assertThat(instances(Phase.READ_OLD_WRITE_BOTH)).as("still the cached snapshot").isZero();
        clock.advance(Duration.ofSeconds(4));
        assertThat(instances(Phase.READ_OLD_WRITE_BOTH)).as("4 s later, still cached").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(instances(Phase.READ_OLD_WRITE_BOTH)).isEqualTo(2);
        assertThat(instances(Phase.OLD_ONLY)).isEqualTo(1);
        assertThat(instances(Phase.READ_NEW_WRITE_BOTH)).isZero();
        assertThat(meters.get(MigrationGauges.INSTANCES).tags("migration", PEOPLE, "phase", "unknown").gauge()
                .value()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31)); // past the instances' ttl: nobody is live any more
        assertThat(instances(Phase.READ_OLD_WRITE_BOTH)).isZero();
    }

    @Test
    void thePhaseGaugeIsThePositionOfThePhaseThisInstanceActsOn() {
        phases.set(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        assertThat(gauge("dualwrite.phase", PEOPLE)).isEqualTo(2);
        phases.set(PEOPLE, Phase.OLD_ONLY);
        assertThat(gauge("dualwrite.phase", PEOPLE)).isZero();
    }

    @Test
    void theDifferencesGaugeShowsTheLatestFinishedVerification() throws InterruptedException {
        clock.advance(Duration.ofSeconds(5));
        assertThat(gauge("dualwrite.verifier.differences", PEOPLE)).isNaN();
        phases.set(PEOPLE, Phase.OLD_ONLY);
        people.save(Person.of("Ada", "Lovelace", "ada@example.com", 36, "+44 1")); // in old only: missing in new
        phases.set(PEOPLE, Phase.READ_OLD_WRITE_BOTH);

        context.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults().withWorkers(1));
        clock.advance(Duration.ofSeconds(5));

        assertThat(gauge("dualwrite.verifier.differences", PEOPLE)).isEqualTo(1);
        assertThat(meters.find("dualwrite.copier.eta").tags("migration", PEOPLE, "job", "verify").gauge()).isNotNull();
    }

    @Test
    void theCountersAreResolvedOnceAndOnlyIncrementedOnTheHotPath() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ShapeTraffic traffic = new ShapeTrafficMeters(registry).forMigration("m");
        int metersBefore = registry.getMeters().size();

        traffic.read(Shape.OLD);
        traffic.read(Shape.NEW);
        traffic.read(Shape.NEW);
        traffic.write(Shape.OLD);
        traffic.secondWriteFailed(Shape.OLD);

        assertThat(registry.getMeters()).hasSize(metersBefore).hasSize(6);
        assertThat(registry.get("dualwrite.reads").tags("migration", "m", "shape", "new").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("dualwrite.writes").tags("migration", "m", "shape", "old").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("dualwrite.writes").tags("migration", "m", "shape", "new").counter().count())
                .isZero();
        assertThat(registry.get("dualwrite.second-write.failures").tags("migration", "m", "shape", "old").counter()
                .count()).isEqualTo(1);
    }

    @Test
    void gaugesOfASnapshotFedByHandReadTheSourcesOncePerTtl() {
        MutableClock ownClock = new MutableClock();
        int[] reads = { 0 };
        MigrationRegistry registry = context.getBean(MigrationRegistry.class);
        StatusSnapshots snapshots = new StatusSnapshots(registry, () -> {
            reads[0]++;
            return List.of();
        }, id -> 0, null, null, ownClock, Duration.ofSeconds(10));
        SimpleMeterRegistry registryOfMeters = new SimpleMeterRegistry();
        new MigrationGauges(registry, id -> Phase.OLD_ONLY, snapshots).bindTo(registryOfMeters);

        for (int scrape = 0; scrape < 5; scrape++) {
            registryOfMeters.getMeters().forEach(meter -> meter.measure().forEach(measurement -> measurement.getValue()));
        }
        assertThat(reads[0]).isEqualTo(1);
        ownClock.advance(Duration.ofSeconds(10));
        registryOfMeters.getMeters().forEach(meter -> meter.measure().forEach(measurement -> measurement.getValue()));
        assertThat(reads[0]).isEqualTo(2);
    }

    private static void heartbeat(String id, Phase phase) {
        database.getCollection("dualwrite_instances").insertOne(new Document("_id", id).append("host", "h")
                .append("applicationVersion", "1").append("startedAt", Date.from(clock.instant()))
                .append("lastHeartbeat", Date.from(clock.instant()))
                .append("phases", List.of(new Document("migration", PEOPLE).append("phase", phase.name()))));
    }

    private static double instances(Phase phase) {
        return meters.get(MigrationGauges.INSTANCES).tags("migration", PEOPLE, "phase", phase.name()).gauge().value();
    }

    private static double gauge(String name, String migration) {
        return meters.get(name).tags("migration", migration).gauge().value();
    }

    private static double counter(String name, String shape) {
        Counter counter = meters.get(name).tags("migration", PEOPLE, "shape", shape).counter();
        return counter.count();
    }

    private static Map<String, Double> traffic() {
        return Map.of("reads/old", counter(ShapeTrafficMeters.READS, "old"),
                "reads/new", counter(ShapeTrafficMeters.READS, "new"),
                "writes/old", counter(ShapeTrafficMeters.WRITES, "old"),
                "writes/new", counter(ShapeTrafficMeters.WRITES, "new"));
    }
}
