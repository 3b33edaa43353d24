package io.dualwrite.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.dualwrite.benchmark.CopierWorkload.Measurement;

/**
 * The copier benchmark's code path at a tiny size (the full run is {@code ./mvnw -B -Pbenchmark -DskipTests verify}):
 * both JVMs start from this classpath, the workload seeds, measures, compares the copier's target with the baseline's
 * document by document, and the figures come out.
 */
class CopierBenchmarkTests {

    @Test
    void runsEndToEndOnTwoThousandDocuments() {
        CopierBenchmark.Outcome outcome = CopierBenchmark.measure(2_000, 1, 0,
                List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC"), List.of("-XX:TieredStopAtLevel=1"));

        assertThat(outcome.measurements()).extracting(Measurement::kind)
            .containsExactly("raw", "copier-1", "copier-2");
        assertThat(outcome.measurements()).allSatisfy(m -> {
            assertThat(m.documents()).isEqualTo(2_000);
            assertThat(m.nanos()).isPositive();
        });
        assertThat(outcome.of("copier-1").get(0).partitions()).isEqualTo(16);
        assertThat(outcome.copierPeakHeapMiB()).isBetween(1L, 256L);
        assertThat(outcome.serverPeakHeapMiB()).isPositive();

        List<BenchmarkResult> results = CopierBenchmark.results(outcome, 2_000);
        assertThat(results).hasSize(2);
        assertThat(results.get(0).ratio()).isPositive();
        assertThat(results.get(0).goal()).isEqualTo(">= 0.8");
        assertThat(results.get(0).notes()).contains("2,000 documents", "-Xmx256m", "16 partitions");
        assertThat(results.get(1).ratio()).isPositive();
    }
}
