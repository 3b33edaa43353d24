package io.dualwrite.benchmark;

/**
 * One benchmark figure: a candidate measured against a baseline in the same process, reported as a ratio.
 *
 * @param name what is measured
 * @param baseline what the candidate is compared to
 * @param baselineOpsPerSecond the baseline's rate
 * @param candidateOpsPerSecond the candidate's rate
 * @param ratio the reported ratio (see {@code ratioMeaning})
 * @param ratioMeaning how the ratio is computed, e.g. "candidate time / baseline time"
 * @param goal the goal, e.g. "<= 1.05"
 * @param met whether the goal is met
 * @param notes anything else worth saying (data size, peak heap, ...)
 */
public record BenchmarkResult(String name, String baseline, double baselineOpsPerSecond, double candidateOpsPerSecond,
        double ratio, String ratioMeaning, String goal, boolean met, String notes) {
}
