package io.dualwrite.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.copier.JobRun;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.status.Invariants;
import io.dualwrite.status.StatusSnapshots;
import io.dualwrite.status.StatusSnapshots.Snapshot;

/**
 * dualwrite's contribution to Actuator's health, {@code dualwrite}: one indicator per migration
 * ({@code /actuator/health/dualwrite/customers-v2}). A migration is {@code DOWN} when one of DESIGN.md's invariants is
 * at risk ({@link Invariants}): failed second writes not repaired yet, live instances on phases more than one step
 * apart, or this instance not following the shared phase toggle; also when those facts could not be read. Details:
 * the phase this instance acts on and the shared one, live instances per phase, the unrepaired count, the latest
 * verification, and the problems.
 * <p>
 * The facts come from the clock-cached {@link StatusSnapshots} (this instance's phase and conflicts from memory), so a
 * load balancer polling the health costs no query while the snapshot is fresh. It is not a liveness or readiness
 * signal: Spring Boot's probe groups do not include it, and a restart would not repair anything.
 */
public final class DualWriteHealthContributor implements CompositeHealthContributor {

    private final Map<String, HealthIndicator> indicators = new LinkedHashMap<>();

    /**
     * @param registry the declared migrations (one indicator each)
     * @param phaseSource the phase this instance acts on
     * @param conflicts why this instance does not follow the shared toggle, by migration id (empty when it does)
     * @param snapshots the cached database facts
     */
    public DualWriteHealthContributor(MigrationRegistry registry, PhaseSource phaseSource,
            Function<String, String> conflicts, StatusSnapshots snapshots) {
        Objects.requireNonNull(snapshots, "snapshots");
        for (String id : registry.ids()) {
            indicators.put(id, () -> health(id, phaseSource, conflicts, snapshots.current()));
        }
    }

    @Override
    public HealthContributor getContributor(String name) {
        return indicators.get(name);
    }

    @Override
    public Stream<HealthContributors.Entry> stream() {
        return indicators.entrySet().stream().map(entry -> new HealthContributors.Entry(entry.getKey(),
                entry.getValue()));
    }

    static Health health(String id, PhaseSource phaseSource, Function<String, String> conflicts, Snapshot snapshot) {
        String conflict = conflicts == null ? null : conflicts.apply(id);
        long unrepaired = snapshot.unrepaired(id);
        List<String> problems = new ArrayList<>(Invariants.atRisk(id, unrepaired, snapshot.live(), conflict));
        if (snapshot.error() != null) {
            problems.add(snapshot.error());
        }
        Health.Builder builder = problems.isEmpty() ? Health.up() : Health.down();
        builder.withDetail("phase", phaseSource.currentPhase(id).name());
        Phase shared = snapshot.shared().get(id);
        if (shared != null) {
            builder.withDetail("sharedPhase", shared.name());
        }
        Map<String, Integer> instances = new LinkedHashMap<>();
        for (Phase phase : Phase.values()) {
            instances.put(phase.name(), snapshot.instancesAt(id, phase));
        }
        int unknown = snapshot.instancesAt(id, null);
        if (unknown > 0) {
            instances.put("unknown", unknown);
        }
        builder.withDetail("liveInstances", snapshot.live().size());
        builder.withDetail("instancesPerPhase", instances);
        builder.withDetail("unrepaired", unrepaired);
        JobRun verification = snapshot.latestVerifications().get(id);
        if (verification == null) {
            builder.withDetail("latestVerification", "none finished yet");
        }
        else {
            Map<String, Object> latest = new LinkedHashMap<>();
            latest.put("id", verification.id());
            latest.put("finishedAt", String.valueOf(verification.finishedAt()));
            latest.put("clean", verification.isClean());
            latest.put("differences", verification.differences());
            builder.withDetail("latestVerification", latest);
        }
        if (conflict != null) {
            builder.withDetail("conflict", conflict);
        }
        if (!problems.isEmpty()) {
            builder.withDetail("problems", problems);
        }
        builder.withDetail("readAt", snapshot.takenAt().toString());
        return builder.build();
    }
}
