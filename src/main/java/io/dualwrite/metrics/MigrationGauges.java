package io.dualwrite.metrics;

import java.util.Objects;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.copier.JobRun;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.status.StatusSnapshots;

/**
 * Gauges of each migration, read from memory or from the clock-cached {@link StatusSnapshots} (a scrape costs no
 * query while the snapshot is fresh):
 * <ul>
 * <li>{@code dualwrite.instances} (tags {@code migration}, {@code phase}: a phase name, or {@code unknown} for
 * instances reporting no readable phase): live instances acting on that phase;</li>
 * <li>{@code dualwrite.phase} (tag {@code migration}): the phase this instance acts on, as its position 0
 * ({@code OLD_ONLY}) to 3 ({@code READ_NEW_WRITE_NEW});</li>
 * <li>{@code dualwrite.second-write.unrepaired} (tag {@code migration}): failed second writes not repaired yet;</li>
 * <li>{@code dualwrite.verifier.differences} (tag {@code migration}): what the latest finished verification found
 * (NaN before the first one).</li>
 * </ul>
 */
public final class MigrationGauges implements MeterBinder {

    /** The instances gauge's name. */
    public static final String INSTANCES = "dualwrite.instances";

    private final MigrationRegistry migrations;

    private final PhaseSource phaseSource;

    private final StatusSnapshots snapshots;

    /**
     * @param migrations the declared migrations (one set of gauges each)
     * @param phaseSource the phase this instance acts on
     * @param snapshots the cached live instances, unrepaired counts and verifications
     */
    public MigrationGauges(MigrationRegistry migrations, PhaseSource phaseSource, StatusSnapshots snapshots) {
        this.migrations = Objects.requireNonNull(migrations, "migrations");
        this.phaseSource = Objects.requireNonNull(phaseSource, "phaseSource");
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String id : migrations.ids()) {
            for (Phase phase : Phase.values()) {
                instances(registry, id, phase.name(), phase);
            }
            instances(registry, id, "unknown", null);
            Gauge.builder("dualwrite.phase", phaseSource, source -> source.currentPhase(id).ordinal())
                    .tag("migration", id).strongReference(true)
                    .description("The phase this instance acts on: 0 OLD_ONLY, 1 READ_OLD_WRITE_BOTH, "
                            + "2 READ_NEW_WRITE_BOTH, 3 READ_NEW_WRITE_NEW")
                    .register(registry);
            Gauge.builder("dualwrite.second-write.unrepaired", snapshots, s -> s.current().unrepaired(id))
                    .tag("migration", id).strongReference(true)
                    .description("Failed second writes not repaired yet").register(registry);
            Gauge.builder("dualwrite.verifier.differences", snapshots, s -> differences(s, id))
                    .tag("migration", id).strongReference(true)
                    .description("Differences the latest finished verification found").register(registry);
        }
    }

    private void instances(MeterRegistry registry, String id, String tag, Phase phase) {
        Gauge.builder(INSTANCES, snapshots, s -> s.current().instancesAt(id, phase))
                .tag("migration", id).tag("phase", tag).strongReference(true)
                .description("Live instances acting on the phase").register(registry);
    }

    private static double differences(StatusSnapshots snapshots, String id) {
        JobRun run = snapshots.current().latestVerifications().get(id);
        return run == null ? Double.NaN : run.differences();
    }
}
