package io.dualwrite.repair;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Micrometer meters of the repair job:
 * <ul>
 * <li>{@code dualwrite.repairs.pending} (gauge; tag {@code migration}): failed second writes still unrepaired, as
 * counted by the last pass of this process, read again when older than {@code dualwrite.repair.interval};</li>
 * <li>{@code dualwrite.repairs} (counter; tags {@code migration}, {@code outcome}: {@code repaired} or
 * {@code failed}): repair attempts made by this process.</li>
 * </ul>
 */
public final class RepairMetrics {

    private final MeterRegistry registry;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public RepairMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void pending(String migrationId, DoubleSupplier count) {
        Gauge.builder("dualwrite.repairs.pending", count, DoubleSupplier::getAsDouble).strongReference(true)
                .tag("migration", migrationId).description("Failed second writes not repaired yet")
                .baseUnit("writes").register(registry);
    }

    void attempted(String migrationId, boolean repaired) {
        String outcome = repaired ? "repaired" : "failed";
        String migration = migrationId == null ? "(none)" : migrationId;
        counters.computeIfAbsent(migration + "/" + outcome, key -> Counter.builder("dualwrite.repairs")
                .tags("migration", migration, "outcome", outcome)
                .description("Repair attempts of failed second writes").baseUnit("writes").register(registry))
                .increment();
    }
}
