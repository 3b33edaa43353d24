package io.dualwrite.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.copier.JobRun;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.InstanceStatus;

/**
 * The few database facts that the metrics and the health contribution need, read at most once per {@code ttl} by the
 * injected {@link Clock} and shared by every reader in between: a scrape of the {@code dualwrite.instances} gauges or a
 * load balancer polling {@code /actuator/health} costs no query most of the time, and a handful of queries (live
 * instances; accepted phases; per migration, the unrepaired count and the latest finished verification) once per
 * {@code ttl} otherwise.
 * <p>
 * A read that fails keeps the previous values of that part and reports the failure in {@link Snapshot#error()} (the
 * health is then {@code DOWN}); the next reader after the ttl tries again.
 */
public final class StatusSnapshots {

    private static final Logger log = LoggerFactory.getLogger(StatusSnapshots.class);

    private final MigrationRegistry registry;

    private final Supplier<List<InstanceStatus>> liveInstances;

    private final UnrepairedWrites unrepaired;

    private final Function<String, Optional<JobRun>> latestVerification;

    private final Function<Collection<String>, Map<String, Phase>> sharedPhases;

    private final Clock clock;

    private final Duration ttl;

    private volatile Snapshot snapshot;

    /**
     * @param registry the declared migrations
     * @param liveInstances the live instances ({@link InstanceRegistry#liveInstances()}); may supply {@code null} when
     *        there is no instance registry
     * @param unrepaired counts the unrepaired failed second writes of a migration
     * @param latestVerification the latest finished verification of a migration; {@code null} when there is no
     *        verifier
     * @param sharedPhases the accepted phase of each migration (absent when none); {@code null} when unknown here
     * @param clock decides when the snapshot is stale
     * @param ttl how long a snapshot is reused; zero to read every time
     */
    public StatusSnapshots(MigrationRegistry registry, Supplier<List<InstanceStatus>> liveInstances,
            UnrepairedWrites unrepaired, Function<String, Optional<JobRun>> latestVerification,
            Function<Collection<String>, Map<String, Phase>> sharedPhases, Clock clock, Duration ttl) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.liveInstances = Objects.requireNonNull(liveInstances, "liveInstances");
        this.unrepaired = Objects.requireNonNull(unrepaired, "unrepaired");
        this.latestVerification = latestVerification == null ? id -> Optional.empty() : latestVerification;
        this.sharedPhases = sharedPhases == null ? ids -> Map.of() : sharedPhases;
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl == null || ttl.isNegative()) {
            throw new IllegalArgumentException("dualwrite.status.cache-ttl must be zero or positive, was " + ttl);
        }
        this.ttl = ttl;
    }

    /** The snapshot, read again first when it is older than the ttl. */
    public Snapshot current() {
        Snapshot current = snapshot;
        Instant now = clock.instant();
        if (current != null && now.isBefore(current.takenAt().plus(ttl)) && !ttl.isZero()) {
            return current;
        }
        synchronized (this) {
            current = snapshot;
            if (current != null && now.isBefore(current.takenAt().plus(ttl)) && !ttl.isZero()) {
                return current;
            }
            snapshot = read(current, now);
            return snapshot;
        }
    }

    private Snapshot read(Snapshot previous, Instant now) {
        StringBuilder errors = new StringBuilder();
        List<InstanceStatus> live = previous == null ? List.of() : previous.live();
        try {
            List<InstanceStatus> read = liveInstances.get();
            live = read == null ? List.of() : read;
        }
        catch (RuntimeException ex) {
            failed(errors, "the live instances", ex);
        }
        Map<String, Phase> shared = previous == null ? Map.of() : previous.shared();
        try {
            shared = Map.copyOf(sharedPhases.apply(registry.ids()));
        }
        catch (RuntimeException ex) {
            failed(errors, "the accepted phases", ex);
        }
        Map<String, Long> counts = new HashMap<>();
        Map<String, JobRun> verifications = new HashMap<>();
        for (String id : registry.ids()) {
            try {
                counts.put(id, unrepaired.count(id));
            }
            catch (RuntimeException ex) {
                failed(errors, "the unrepaired second writes of '" + id + "'", ex);
                if (previous != null && previous.unrepaired().containsKey(id)) {
                    counts.put(id, previous.unrepaired().get(id));
                }
            }
            try {
                latestVerification.apply(id).ifPresent(run -> verifications.put(id, run));
            }
            catch (RuntimeException ex) {
                failed(errors, "the latest verification of '" + id + "'", ex);
                if (previous != null && previous.latestVerifications().containsKey(id)) {
                    verifications.put(id, previous.latestVerifications().get(id));
                }
            }
        }
        return new Snapshot(now, live, shared, counts, verifications, errors.isEmpty() ? null : errors.toString());
    }

    private static void failed(StringBuilder errors, String what, RuntimeException ex) {
        log.warn("Could not read {} for dualwrite's health and metrics: {}", what, ex.toString());
        if (!errors.isEmpty()) {
            errors.append("; ");
        }
        errors.append("could not read ").append(what).append(" (").append(ex.getMessage()).append(')');
    }

    /**
     * What was read at one moment.
     *
     * @param takenAt when it was read, by the clock
     * @param live the live instances
     * @param shared the accepted phase of each migration that has one
     * @param unrepaired unrepaired failed second writes by migration
     * @param latestVerifications the latest finished verification by migration (absent when none)
     * @param error what could not be read (the values shown for it are the previous ones); {@code null} when all was
     */
    public record Snapshot(Instant takenAt, List<InstanceStatus> live, Map<String, Phase> shared,
            Map<String, Long> unrepaired, Map<String, JobRun> latestVerifications, String error) {

        public Snapshot {
            live = List.copyOf(live);
            shared = Map.copyOf(shared);
            unrepaired = Map.copyOf(unrepaired);
            latestVerifications = Map.copyOf(latestVerifications);
        }

        /** How many live instances act on {@code phase} for the migration; {@code null} phase: those reporting none. */
        public int instancesAt(String migrationId, Phase phase) {
            int count = 0;
            for (InstanceStatus instance : live) {
                if (instance.phases().get(migrationId) == phase) {
                    count++;
                }
            }
            return count;
        }

        /** The unrepaired count of a migration (0 when unknown). */
        public long unrepaired(String migrationId) {
            return unrepaired.getOrDefault(migrationId, 0L);
        }
    }
}
