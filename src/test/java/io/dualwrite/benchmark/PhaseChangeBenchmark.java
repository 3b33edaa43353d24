package io.dualwrite.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.dualwrite.Phase;
import io.dualwrite.benchmark.propagation.PropagationInstance;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.PhaseToggles;
import org.bson.types.ObjectId;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * From a phase change requested on one instance to every one of three instances acting on it. Three application
 * contexts share one database on the embedded server, each with the production phase source (the shared Togglz state
 * polled in the background every {@code max-staleness / 2}, default 1 s); the change is requested through
 * {@link PhaseToggles} on the first, and each context's {@link PhaseSource} is watched until all three answer the new
 * phase. The guard is off ({@code dualwrite.guard.enabled=false}) so the phase can go back and forth between
 * {@code OLD_ONLY} and {@code READ_OLD_WRITE_BOTH}; with it on, the request does the same writes plus the guard's
 * reads.
 */
public final class PhaseChangeBenchmark {

    private static final int CHANGES = 60;

    private static final int WARM_UP = 5;

    private static final Duration MAX_STALENESS = Duration.ofSeconds(1);

    private PhaseChangeBenchmark() {
    }

    public static List<BenchmarkResult> run() {
        String database = "benchmark_phase_change_" + new ObjectId();
        List<ConfigurableApplicationContext> instances = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                instances.add(start(database));
            }
            return List.of(measure(instances));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        finally {
            // the database holds a handful of small documents; it goes with the embedded server
            instances.forEach(ConfigurableApplicationContext::close);
        }
    }

    public static void main(String[] args) {
        Benchmarks.print(run());
    }

    private static ConfigurableApplicationContext start(String database) {
        return new SpringApplicationBuilder(PropagationInstance.class).web(WebApplicationType.NONE)
                .properties("dualwrite.embedded.database=" + database, "dualwrite.toggles.environment=none",
                        "dualwrite.toggles.max-staleness=" + MAX_STALENESS.toMillis() + "ms",
                        "dualwrite.guard.enabled=false", "spring.main.banner-mode=off",
                        "spring.main.log-startup-info=false", "spring.thymeleaf.check-template-location=false",
                        "logging.level.root=WARN", "logging.level.io.dualwrite=WARN")
                .run();
    }

    private static BenchmarkResult measure(List<ConfigurableApplicationContext> instances)
            throws InterruptedException {
        PhaseToggles toggles = instances.get(0).getBean(PhaseToggles.class);
        List<PhaseSource> sources = instances.stream().map(context -> context.getBean(PhaseSource.class)).toList();
        String migration = TestMigrations.PEOPLE;
        long[] latencies = new long[CHANGES];
        Phase phase = Phase.OLD_ONLY;
        for (int i = -WARM_UP; i < CHANGES; i++) {
            phase = phase == Phase.OLD_ONLY ? Phase.READ_OLD_WRITE_BOTH : Phase.OLD_ONLY;
            long requested = System.nanoTime();
            toggles.requestPhase(migration, phase, "benchmark");
            long slowest = 0;
            for (PhaseSource source : sources) {
                while (source.currentPhase(migration) != phase) {
                    if (System.nanoTime() - requested > Duration.ofSeconds(30).toNanos()) {
                        throw new IllegalStateException("an instance did not act on " + phase + " within 30 s");
                    }
                    Thread.sleep(0, 200_000);
                }
                slowest = System.nanoTime() - requested;
            }
            if (i >= 0) {
                latencies[i] = slowest;
            }
            // the next change comes at a random point of the pollers' period
            Thread.sleep(ThreadLocalRandom.current().nextLong(MAX_STALENESS.toMillis() / 2));
        }
        Arrays.sort(latencies);
        double p50 = millis(percentile(latencies, 0.50));
        double p99 = millis(percentile(latencies, 0.99));
        double max = millis(latencies[latencies.length - 1]);
        double bound = MAX_STALENESS.toMillis();
        return new BenchmarkResult("Phase change → all 3 instances act on it (p99)",
                "the 1 s goal (= max-staleness)", 1000.0 / bound, 1000.0 / p99, p99 / bound,
                "p99 latency / 1 s", "<= 1.0", p99 <= bound,
                String.format("%d changes (after %d warm-up), alternating OLD_ONLY and READ_OLD_WRITE_BOTH, each "
                        + "at a random point of the poll period; latency from the request to the slowest of the 3 "
                        + "instances acting: p50 %.0f ms, p99 %.0f ms, max %.0f ms; max-staleness %d ms (each "
                        + "instance polls every %d ms); ops/s columns are 1/latency", CHANGES, WARM_UP, p50, p99,
                        max, MAX_STALENESS.toMillis(), MAX_STALENESS.toMillis() / 2));
    }

    private static long percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
