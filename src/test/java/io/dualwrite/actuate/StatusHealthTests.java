package io.dualwrite.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.instances.InstanceStatus;
import io.dualwrite.status.StatusSnapshots;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMigrations;

/**
 * The health contribution {@code dualwrite}: one indicator per migration, DOWN exactly when an invariant is at risk
 * (unrepaired second writes, live instances in non-adjacent phases, this instance's toggle conflict, facts that could
 * not be read), with the details an operator needs; read from a snapshot cached on the clock.
 */
class StatusHealthTests {

    private static final String CUSTOMERS = TestMigrations.CUSTOMERS;

    private static final String ORDERS = TestMigrations.ORDERS;

    private final MutableClock clock = new MutableClock();

    private final MigrationRegistry registry = new MigrationRegistry(List.of(TestMigrations.customers(),
            TestMigrations.orders()));

    private final List<InstanceStatus> live = new ArrayList<>();

    private final Map<String, Long> unrepaired = new ConcurrentHashMap<>();

    private final Map<String, JobRun> verifications = new ConcurrentHashMap<>();

    private final Map<String, String> conflicts = new ConcurrentHashMap<>();

    private final AtomicInteger reads = new AtomicInteger();

    private volatile RuntimeException failure;

    private final StatusSnapshots snapshots = new StatusSnapshots(registry, () -> {
        reads.incrementAndGet();
        if (failure != null) {
            throw failure;
        }
        return List.copyOf(live);
    }, id -> unrepaired.getOrDefault(id, 0L), id -> java.util.Optional.ofNullable(verifications.get(id)),
            ids -> Map.of(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH), clock, Duration.ofSeconds(5));

    private final DualWriteHealthContributor contributor = new DualWriteHealthContributor(registry,
            id -> Phase.READ_OLD_WRITE_BOTH, conflicts::get, snapshots);

    @Test
    void oneIndicatorPerMigrationNamedByItsId() {
        assertThat(contributor.stream().map(HealthContributors.Entry::name)).containsExactly(CUSTOMERS, ORDERS);
        assertThat(contributor.getContributor(CUSTOMERS)).isInstanceOf(HealthIndicator.class);
        assertThat(contributor.getContributor("nope")).isNull();
    }

    @Test
    void upWithThePhasesInstancesUnrepairedCountAndLatestVerificationInTheDetails() {
        live.add(instance("web-1", Phase.READ_OLD_WRITE_BOTH));
        live.add(instance("web-2", Phase.OLD_ONLY));
        verifications.put(CUSTOMERS, verification(0));

        Health health = health(CUSTOMERS);

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("phase", "READ_OLD_WRITE_BOTH")
                .containsEntry("sharedPhase", "READ_OLD_WRITE_BOTH").containsEntry("liveInstances", 2)
                .containsEntry("unrepaired", 0L).doesNotContainKey("problems");
        assertThat(health.getDetails().get("instancesPerPhase")).isEqualTo(Map.of("OLD_ONLY", 1,
                "READ_OLD_WRITE_BOTH", 1, "READ_NEW_WRITE_BOTH", 0, "READ_NEW_WRITE_NEW", 0));
        assertThat(health.getDetails().get("latestVerification")).asString().contains("clean=true")
                .contains("differences=0").contains("customers-v2-verify-1");
        assertThat(health(ORDERS).getDetails()).containsEntry("latestVerification", "none finished yet")
                .doesNotContainKey("sharedPhase");
    }

    @Test
    void downWhileFailedSecondWritesAreNotRepaired() {
        unrepaired.put(CUSTOMERS, 3L);

        Health health = health(CUSTOMERS);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("unrepaired", 3L);
        assertThat(problems(health)).singleElement().asString().startsWith("3 failed second writes are not repaired");
        assertThat(health(ORDERS).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void downWhenLiveInstancesActOnPhasesMoreThanOneStepApart() {
        live.add(instance("web-1", Phase.OLD_ONLY));
        live.add(instance("web-2", Phase.READ_OLD_WRITE_BOTH));
        live.add(instance("web-3", Phase.READ_NEW_WRITE_BOTH));

        Health health = health(CUSTOMERS);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(problems(health)).singleElement().asString()
                .contains("more than one step apart (OLD_ONLY on web-1; READ_OLD_WRITE_BOTH on web-2; "
                        + "READ_NEW_WRITE_BOTH on web-3)");
    }

    @Test
    void instancesWithoutAPhaseForTheMigrationAreCountedAsUnknownAndDoNotMakeItDown() {
        live.add(instance("web-1", Phase.READ_OLD_WRITE_BOTH));
        live.add(new InstanceStatus("old-release", "h", "0.9", clock.instant(), clock.instant(), Map.of()));

        Health health = health(CUSTOMERS);

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails().get("instancesPerPhase")).asString().contains("unknown=1");
    }

    @Test
    void downWhileThisInstanceDoesNotFollowTheSharedToggle() {
        conflicts.put(ORDERS, "the shared toggle says READ_NEW_WRITE_BOTH but the phase guard last accepted "
                + "READ_OLD_WRITE_BOTH");

        Health health = health(ORDERS);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsKey("conflict");
        assertThat(problems(health)).singleElement().asString()
                .startsWith("this instance does not follow the shared phase toggle: the shared toggle says");
        assertThat(health(CUSTOMERS).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void downWhenTheFactsCannotBeReadAndUpAgainOnceTheyCan() {
        failure = new IllegalStateException("Timed out after 30000 ms while waiting to connect");

        Health health = health(CUSTOMERS);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(problems(health)).singleElement().asString()
                .isEqualTo("could not read the live instances (Timed out after 30000 ms while waiting to connect)");
        failure = null;
        clock.advance(Duration.ofSeconds(5));
        assertThat(health(CUSTOMERS).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aLoadBalancerPollingTheHealthCausesOneReadPerTtl() {
        for (int poll = 0; poll < 20; poll++) {
            health(CUSTOMERS);
            health(ORDERS);
            clock.advance(Duration.ofMillis(200)); // 4 s in all
        }
        assertThat(reads).hasValue(1);
        unrepaired.put(CUSTOMERS, 1L);
        assertThat(health(CUSTOMERS).getStatus()).as("the snapshot is still fresh").isEqualTo(Status.UP);
        clock.advance(Duration.ofSeconds(1));
        assertThat(health(CUSTOMERS).getStatus()).isEqualTo(Status.DOWN);
        assertThat(reads).hasValue(2);
    }

    private Health health(String migration) {
        return ((HealthIndicator) contributor.getContributor(migration)).health();
    }

    @SuppressWarnings("unchecked")
    private static List<String> problems(Health health) {
        return (List<String>) health.getDetails().get("problems");
    }

    private InstanceStatus instance(String id, Phase phase) {
        return new InstanceStatus(id, "host-" + id, "1.0", clock.instant(), clock.instant(),
                Map.of(CUSTOMERS, phase, ORDERS, phase));
    }

    private JobRun verification(long missing) {
        Instant start = clock.instant().minusSeconds(60);
        return new JobRun("customers-v2-verify-1", CUSTOMERS, JobKind.VERIFY, JobStatus.FINISHED, start,
                start.plusSeconds(10), "test", Phase.READ_OLD_WRITE_BOTH, false, "not a copy", 10, 1000, 1, 1, 0,
                Map.of("processed", 10L, "missing", missing), List.of());
    }
}
