package io.dualwrite.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.dualwrite.Phase;
import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.AuditEntry;
import io.dualwrite.toggle.PhaseChangeRefusedException;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseToggles;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The guard's rules, checked against real copier runs, verifications, instances and repair records on the embedded
 * server, two service instances sharing one clock that the tests move.
 */
class PhaseGuardTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private final MutableClock clock = new MutableClock();

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    private ConfigurableApplicationContext a;

    private ConfigurableApplicationContext b;

    private PhaseGuard guard;

    private PhaseToggles toggles;

    @BeforeEach
    void startTwoInstances() {
        a = start();
        Fixtures.clear(a);
        b = start();
        guard = a.getBean(PhaseGuard.class);
        toggles = a.getBean(PhaseToggles.class);
        PersonRepository people = a.getBean(PersonRepository.class);
        for (int i = 0; i < 30; i++) {
            people.save(Person.of("First" + i, "Last" + i, i + "@example.com", 20 + i, "555-" + i));
        }
        heartbeat();
    }

    @AfterEach
    void stop() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    private ConfigurableApplicationContext start() {
        List<String> properties = new ArrayList<>(List.of(Fixtures.mongoProperties("phase-guard")));
        properties.addAll(List.of("dualwrite.toggles.poll-in-background=false", "spring.main.banner-mode=off",
                "dualwrite.instances.heartbeat-interval=1h", "dualwrite.instances.ttl=2h",
                "dualwrite.copier.poll-interval=20ms"));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(FixtureApplication.class)
                .web(WebApplicationType.NONE).properties(properties.toArray(String[]::new))
                .initializers(c -> ((GenericApplicationContext) c).registerBean("testClock", java.time.Clock.class,
                        () -> clock))
                .run();
        contexts.add(context);
        return context;
    }

    /** Both instances act on {@code phase} (the shared phase moved by the guard) and report it. */
    private void move(Phase phase) {
        toggles.requestPhase(PEOPLE, phase, "ops");
        act(a, phase);
        act(b, phase);
        clock.advance(Duration.ofSeconds(1));
    }

    private static void act(ConfigurableApplicationContext instance, Phase phase) {
        instance.getBean(SettablePhaseSource.class).set(PEOPLE, phase);
        instance.getBean(InstanceRegistry.class).heartbeat();
    }

    private void heartbeat() {
        a.getBean(InstanceRegistry.class).heartbeat();
        b.getBean(InstanceRegistry.class).heartbeat();
    }

    private JobRun copy() throws InterruptedException {
        clock.advance(Duration.ofSeconds(1));
        JobRun run = a.getBean(Copier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        return run;
    }

    private JobRun verify() throws InterruptedException {
        clock.advance(Duration.ofSeconds(1));
        JobRun run = a.getBean(Verifier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        return run;
    }

    private MongoCollection<Document> collection(String name) {
        return Fixtures.database(a).getCollection(name);
    }

    @Test
    void skippingAPhaseIsRefusedInEitherDirectionAndChangesNothing() {
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).allowed()).isFalse();
        assertThatThrownBy(() -> toggles.requestPhase(PEOPLE, Phase.READ_NEW_WRITE_NEW, "ops"))
                .isInstanceOf(PhaseChangeRefusedException.class)
                .hasMessageContaining("from OLD_ONLY to READ_NEW_WRITE_NEW")
                .hasMessageContaining("skipping a phase is not allowed; move one step at a time, first to "
                        + "READ_OLD_WRITE_BOTH");
        assertThat(toggles.storedState(PEOPLE).phase()).isEqualTo(Phase.OLD_ONLY);
        PhaseHistory history = a.getBean(PhaseHistory.class);
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
        AuditEntry refused = history.recent(PEOPLE, 1).get(0);
        assertThat(refused).extracting(AuditEntry::user, AuditEntry::via, AuditEntry::outcome, AuditEntry::to)
                .containsExactly("ops", "java", AuditEntry.Outcome.REFUSED, Phase.READ_NEW_WRITE_NEW);

        assertThat(guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH).allowed()).isTrue();
        move(Phase.READ_OLD_WRITE_BOTH);
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_NEW).reason()).contains("first to READ_NEW_WRITE_BOTH");
    }

    @Test
    void readingNewNeedsACopyStartedWhileEveryInstanceWroteBothAndACleanVerificationAfterIt() throws Exception {
        toggles.requestPhase(PEOPLE, Phase.READ_OLD_WRITE_BOTH, "ops");
        act(a, Phase.READ_OLD_WRITE_BOTH);
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("no copy run has finished").contains("there has been no copy run at all");

        JobRun early = copy();
        assertThat(early.allWritingBothAtStart()).as("instance b still acted on OLD_ONLY").isFalse();
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("no copy run has finished").contains(early.id())
                .contains("when it started: the shared phase was READ_OLD_WRITE_BOTH");

        act(b, Phase.READ_OLD_WRITE_BOTH);
        JobRun copy = copy();
        assertThat(copy.allWritingBothAtStart()).isTrue();
        Decision noVerification = guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        assertThat(noVerification.allowed()).isFalse();
        assertThat(noVerification.reason()).contains("no verification has finished since")
                .contains(copy.id()).contains("verify --migration " + PEOPLE);

        collection("people_v2").updateOne(Filters.eq("_id", firstId()), Updates.set("lastName", "Diverged"));
        JobRun unclean = verify();
        assertThat(unclean.isClean()).isFalse();
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("the latest verification (" + unclean.id()).contains("found 1 difference");

        collection("people_v2").deleteOne(Filters.eq("_id", firstId()));
        copy();
        JobRun clean = verify();
        assertThat(clean.isClean()).isTrue();
        Decision allowed = guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        assertThat(allowed.allowed()).as(allowed.reason()).isTrue();

        collection("dualwrite_repairs").insertOne(new Document("migration", PEOPLE).append("entityId", firstId())
                .append("shape", "new").append("repaired", false));
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("1 failed second write is not repaired yet");
        collection("dualwrite_repairs").updateMany(Filters.empty(), Updates.set("repaired", true));

        toggles.requestPhase(PEOPLE, Phase.READ_NEW_WRITE_BOTH, "ops");
        assertThat(toggles.storedState(PEOPLE).phase()).isEqualTo(Phase.READ_NEW_WRITE_BOTH);
    }

    @Test
    void aCopyFromBeforeAReturnToOldOnlyNoLongerCounts() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).allowed()).isTrue();

        Decision back = guard.check(PEOPLE, Phase.OLD_ONLY);
        assertThat(back.allowed()).isTrue();
        assertThat(back.reason()).contains("must run again");
        move(Phase.OLD_ONLY);
        move(Phase.READ_OLD_WRITE_BOTH);
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("no copy run has finished that started after the migration entered READ_OLD_WRITE_BOTH");
        copy();
        verify();
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).allowed()).isTrue();
    }

    @Test
    void newOnlyWaitsForEveryLiveInstanceToReadNewAndASilentOneExpires() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        toggles.requestPhase(PEOPLE, Phase.READ_NEW_WRITE_BOTH, "ops");
        act(a, Phase.READ_NEW_WRITE_BOTH);

        Decision waiting = guard.check(PEOPLE, Phase.READ_NEW_WRITE_NEW);
        assertThat(waiting.allowed()).isFalse();
        assertThat(waiting.reason()).contains("1 of 2 live instances")
                .contains(b.getBean(io.dualwrite.instances.LocalInstance.class).id())
                .contains("READ_OLD_WRITE_BOTH");
        assertThatThrownBy(() -> toggles.requestPhase(PEOPLE, Phase.READ_NEW_WRITE_NEW, "ops"))
                .isInstanceOf(PhaseChangeRefusedException.class).hasMessageContaining("reading the new shape");

        clock.advance(Duration.ofHours(3));
        a.getBean(InstanceRegistry.class).heartbeat();
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_NEW).allowed())
                .as("instance b has been silent for longer than the ttl").isTrue();
        toggles.requestPhase(PEOPLE, Phase.READ_NEW_WRITE_NEW, "ops");
        assertThat(toggles.storedState(PEOPLE).phase()).isEqualTo(Phase.READ_NEW_WRITE_NEW);
    }

    @Test
    void rollingBackToReadingOldWaitsForUnrepairedWritesToOld() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        move(Phase.READ_NEW_WRITE_BOTH);
        assertThat(guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH).allowed()).isTrue();

        collection("dualwrite_repairs").insertOne(new Document("migration", PEOPLE).append("entityId", firstId())
                .append("shape", "old").append("repaired", false));
        assertThat(guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH).reason())
                .contains("1 failed second write is not repaired yet, so the old shape may miss acknowledged writes");
        collection("dualwrite_repairs").updateMany(Filters.empty(), Updates.set("repaired", true));
        move(Phase.READ_OLD_WRITE_BOTH);
        assertThat(toggles.storedState(PEOPLE).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void leavingNewOnlyIsRefusedWhileTheOldShapeIsStale() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        move(Phase.READ_NEW_WRITE_BOTH);
        move(Phase.READ_NEW_WRITE_NEW);
        Decision back = guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        assertThat(back.allowed()).isFalse();
        assertThat(back.reason()).contains("the old shape is stale").contains("reverse-copy --migration " + PEOPLE);
        assertThat(guard.options(PEOPLE)).extracting(Decision::to, Decision::allowed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Phase.READ_NEW_WRITE_BOTH, false));

        Cleanup cleanup = a.getBean(Cleanup.class);
        cleanup.execute(PEOPLE, cleanup.plan(PEOPLE).token(), "ops");
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("the old shape has been cleaned up, so there is nothing to roll back to");
    }

    @Test
    void rollingBackFromNewOnlyNeedsAVerifiedReverseCopyThenAHandBackOnceEveryInstanceWritesBoth() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        move(Phase.READ_NEW_WRITE_BOTH);
        move(Phase.READ_NEW_WRITE_NEW);
        PersonRepository people = a.getBean(PersonRepository.class);
        Person written = people.save(Person.of("New", "Only", "new@example.com", 41, "555-0"));

        JobRun reverse = a.getBean(ReverseCopier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH).reason())
                .contains("no reverse verification has finished since").contains(reverse.id());
        clock.advance(Duration.ofSeconds(1));
        JobRun reverseVerification = a.getBean(ReverseVerifier.class).run(PEOPLE,
                JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        assertThat(reverseVerification.isClean()).as(reverseVerification.toString()).isTrue();
        Decision back = guard.check(PEOPLE, Phase.READ_NEW_WRITE_BOTH);
        assertThat(back.allowed()).as(back.reason()).isTrue();
        move(Phase.READ_NEW_WRITE_BOTH);

        Decision toOld = guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH);
        assertThat(toOld.allowed()).isFalse();
        assertThat(toOld.reason()).contains("decided by the new shape alone until a reverse copy hands them back")
                .contains("reverse-copy --migration " + PEOPLE);

        clock.advance(Duration.ofSeconds(1));
        JobRun handBack = a.getBean(ReverseCopier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        assertThat(handBack.handedEverythingBack()).as(handBack.toString()).isTrue();
        assertThat(guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH).reason())
                .contains("no reverse verification has finished since");
        a.getBean(ReverseVerifier.class).run(PEOPLE, JobOptions.defaults().withBatchSize(10));
        clock.advance(Duration.ofSeconds(1));
        Decision allowed = guard.check(PEOPLE, Phase.READ_OLD_WRITE_BOTH);
        assertThat(allowed.allowed()).as(allowed.reason()).isTrue();
        move(Phase.READ_OLD_WRITE_BOTH);
        assertThat(people.findById(written.getId())).as("the write made in READ_NEW_WRITE_NEW is read from old")
                .get().extracting(Person::getLastName).isEqualTo("Only");
    }

    @Test
    void newOnlyIsRefusedWhileAReverseCopyRuns() throws Exception {
        move(Phase.READ_OLD_WRITE_BOTH);
        copy();
        verify();
        move(Phase.READ_NEW_WRITE_BOTH);
        // at one document a second on a clock that does not move, the run stays active until cancelled
        a.getBean(ReverseCopier.class).start(PEOPLE, JobOptions.defaults().withBatchSize(10).withRate(1));
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_NEW).reason()).contains("a reverse copy is running");
        a.getBean(ReverseCopier.class).cancel(PEOPLE);
        assertThat(guard.check(PEOPLE, Phase.READ_NEW_WRITE_NEW).allowed()).isTrue();
    }

    private Object firstId() {
        return collection("people_v1").find().sort(new Document("_id", 1)).first().get("_id");
    }
}
