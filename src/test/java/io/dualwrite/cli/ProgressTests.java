package io.dualwrite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.dualwrite.Phase;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;

/** The progress bar's message and recent rate, on explicit instants. */
class ProgressTests {

    private static final Instant START = Instant.parse("2026-11-21T10:00:00Z");

    private static JobRun run(JobKind kind, JobStatus status, long processed, Map<String, Long> counts) {
        Map<String, Long> all = new java.util.HashMap<>(counts);
        all.put("processed", processed);
        return new JobRun("r1", "people-v2", kind, status, START, status.isActive() ? null : START.plusSeconds(100),
                "host-1", Phase.READ_OLD_WRITE_BOTH, true, "ok", 10_000, 1000, 16, 3, 0, all, List.of());
    }

    @Test
    void theMessageCarriesRateEtaAndCountersAndTheStatusWhenNotRunning() {
        JobRun running = run(JobKind.COPY, JobStatus.RUNNING, 2_500, Map.of("copied", 2_400L, "skipped", 90L,
                "deadLettered", 10L));
        assertThat(Progress.message(running, 0, START.plusSeconds(50)))
                .isEqualTo("50 docs/s, ETA 2m30s, copied 2,400, skipped 90, dead 10");
        assertThat(Progress.message(running, 125, START.plusSeconds(50))).startsWith("125 docs/s, ");

        JobRun paused = run(JobKind.VERIFY, JobStatus.PAUSED, 5_000, Map.of("missing", 3L, "different", 1L));
        assertThat(Progress.message(paused, 0, START.plusSeconds(100))).isEqualTo(
                "paused, 50 docs/s, ETA 1m40s, missing 3, stale 0, different 1, extra 0, unconvertible 0");
    }

    @Test
    void theRecentRateIsMeasuredOverAWindowOfAFewSeconds() {
        Progress.Rate rate = new Progress.Rate();
        assertThat(rate.update(1_000, START)).isZero();
        assertThat(rate.update(1_500, START.plusSeconds(1))).as("window not over yet").isZero();
        assertThat(rate.update(4_000, START.plusSeconds(3))).isEqualTo(1_000);
        assertThat(rate.update(4_100, START.plusSeconds(4))).as("kept until the next window ends").isEqualTo(1_000);
        assertThat(rate.update(4_600, START.plusSeconds(6))).isEqualTo(200);
    }

    @Test
    void plainLinesShowTheBarWithItsMessageAndAlwaysTheLastState() {
        StringWriter err = new StringWriter();
        JobRun running = run(JobKind.COPY, JobStatus.RUNNING, 2_500, Map.of("copied", 2_500L));
        try (Progress progress = Progress.start(Progress.Mode.LINES, new PrintWriter(err, true), Duration.ofHours(1),
                running, START.plusSeconds(50))) {
            progress.update(run(JobKind.COPY, JobStatus.FINISHED, 10_000, Map.of("copied", 10_000L)),
                    START.plusSeconds(100));
        }
        String[] lines = err.toString().strip().split("\\R");
        assertThat(lines[0]).as("no line before the message is set").contains("copied");
        assertThat(lines[lines.length - 1]).contains("copy people-v2 100%").contains("10000/10000 docs")
                .contains("finished, 150 docs/s, ETA -, copied 10,000, skipped 0, dead 0"); // 7,500 in the last 50 s
    }
}
