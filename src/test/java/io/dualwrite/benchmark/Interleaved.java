package io.dualwrite.benchmark;

import java.util.Arrays;

/**
 * Runs a baseline and a candidate in alternating rounds in the same process (warm-up first, the order within a round
 * alternating from round to round) and reports the median of the per-round time ratios and each side's ops/s.
 */
final class Interleaved {

    private Interleaved() {
    }

    /** One side of a comparison: performs {@code ops} operations and returns nothing. */
    @FunctionalInterface
    interface Side {

        void run(int ops);
    }

    /**
     * The outcome of {@link #compare}.
     *
     * @param baselineOpsPerSecond all measured baseline operations over their total time
     * @param candidateOpsPerSecond all measured candidate operations over their total time
     * @param medianTimeRatio median over the rounds of candidate time / baseline time (same number of operations)
     * @param minTimeRatio smallest per-round time ratio
     * @param maxTimeRatio largest per-round time ratio
     * @param rounds number of measured rounds
     * @param opsPerRound operations of each side per round
     */
    record Outcome(double baselineOpsPerSecond, double candidateOpsPerSecond, double medianTimeRatio,
            double minTimeRatio, double maxTimeRatio, int rounds, int opsPerRound) {

        /** Median over the rounds of candidate ops/s / baseline ops/s (the inverse of each round's time ratio). */
        double medianRateRatio() {
            return 1 / medianTimeRatio;
        }

        /** "20 interleaved rounds of 500 operations each (per-round time ratio 0.97-1.08)". */
        String describe() {
            return String.format("%d interleaved rounds of %,d operations of each kind (per-round time ratio "
                    + "%.3f-%.3f)", rounds, opsPerRound, minTimeRatio, maxTimeRatio);
        }
    }

    /**
     * Warms both sides up, then measures them in alternating rounds.
     *
     * @param warmUpOps operations of each side before measuring (twice, interleaved)
     * @param rounds measured rounds
     * @param opsPerRound operations of each side per round
     */
    static Outcome compare(int warmUpOps, int rounds, int opsPerRound, Side baseline, Side candidate) {
        for (int i = 0; i < 2; i++) {
            baseline.run(warmUpOps / 2);
            candidate.run(warmUpOps / 2);
        }
        double[] ratios = new double[rounds];
        long baselineNanos = 0;
        long candidateNanos = 0;
        for (int round = 0; round < rounds; round++) {
            long baselineTime;
            long candidateTime;
            if (round % 2 == 0) {
                baselineTime = time(baseline, opsPerRound);
                candidateTime = time(candidate, opsPerRound);
            }
            else {
                candidateTime = time(candidate, opsPerRound);
                baselineTime = time(baseline, opsPerRound);
            }
            baselineNanos += baselineTime;
            candidateNanos += candidateTime;
            ratios[round] = (double) candidateTime / baselineTime;
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        return new Outcome(opsPerSecond((long) rounds * opsPerRound, baselineNanos),
                opsPerSecond((long) rounds * opsPerRound, candidateNanos), median(ratios), sorted[0],
                sorted[sorted.length - 1], rounds, opsPerRound);
    }

    /** The median of the values (the mean of the two middle ones for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    static double opsPerSecond(long ops, long nanos) {
        return ops / (nanos / 1e9);
    }

    private static long time(Side side, int ops) {
        long start = System.nanoTime();
        side.run(ops);
        return System.nanoTime() - start;
    }
}
