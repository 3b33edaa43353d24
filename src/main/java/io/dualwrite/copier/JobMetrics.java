package io.dualwrite.copier;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Micrometer meters of the jobs this process works on:
 * <ul>
 * <li>{@code dualwrite.copier.documents} (counter; tags {@code migration}, {@code job}, {@code outcome}: processed,
 * copied, skipped, deadLettered, deletesCaught, missing, stale, different, extra, unconvertible);</li>
 * <li>{@code dualwrite.copier.rate} (gauge, documents per second in this process over the last second or so);</li>
 * <li>{@code dualwrite.copier.remaining} (gauge, estimated documents left in the run: the lag behind the source);</li>
 * <li>{@code dualwrite.copier.eta} (gauge, seconds: the lag in time, remaining documents at this process's rate; NaN
 * while the rate is unknown, 0 when nothing remains).</li>
 * </ul>
 */
public final class JobMetrics {

    private final MeterRegistry registry;

    private final Map<String, JobEngine.Progress> progress = new ConcurrentHashMap<>();

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void track(String migrationId, JobKind kind, JobEngine.Progress current) {
        String key = migrationId + "/" + kind.tag();
        boolean first = progress.put(key, current) == null;
        if (first) {
            Tags tags = Tags.of("migration", migrationId, "job", kind.tag());
            Gauge.builder("dualwrite.copier.rate", progress, p -> p.containsKey(key) ? p.get(key).rate() : 0)
                    .tags(tags).description("Documents per second processed by this process").baseUnit("documents")
                    .register(registry);
            Gauge.builder("dualwrite.copier.remaining", progress,
                    p -> p.containsKey(key) ? p.get(key).remaining() : 0).tags(tags)
                    .description("Estimated documents left in the run").baseUnit("documents").register(registry);
            Gauge.builder("dualwrite.copier.eta", progress, p -> p.containsKey(key) ? eta(p.get(key)) : 0).tags(tags)
                    .description("Estimated time left in the run at this process's rate").baseUnit("seconds")
                    .register(registry);
        }
    }

    private static double eta(JobEngine.Progress progress) {
        long remaining = progress.remaining();
        if (remaining == 0) {
            return 0;
        }
        double rate = progress.rate();
        return rate > 0 ? remaining / rate : Double.NaN;
    }

    void batch(String migrationId, JobKind kind, Map<String, Long> counts) {
        counts.forEach((outcome, amount) -> counters.computeIfAbsent(migrationId + "/" + kind.tag() + "/" + outcome,
                key -> Counter.builder("dualwrite.copier.documents").tags("migration", migrationId, "job", kind.tag(),
                        "outcome", outcome).description("Documents handled by copy and verification jobs")
                        .baseUnit("documents").register(registry)).increment(amount));
    }
}
