package io.dualwrite.copier;

/**
 * How a process works on a job run. {@code batchSize}, {@code partitions} and {@code rate} take effect when this
 * process creates the run; a process joining an existing run uses the run's own (the rate can be changed while the
 * run goes on, see {@link Copier#setRate}).
 *
 * @param workers worker threads in this process (at least 1)
 * @param batchSize documents per batch: one read, one bulk write and one checkpoint each (1 to 100,000)
 * @param partitions how many ranges of {@code _id} the run is split into (1 to 10,000)
 * @param rate documents per second for the whole run, 0 for unlimited
 */
public record JobOptions(int workers, int batchSize, int partitions, double rate) {

    /** Checks the values, naming the wrong one. */
    public JobOptions {
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be between 1 and 256, got " + workers);
        }
        if (batchSize < 1 || batchSize > 100_000) {
            throw new IllegalArgumentException("batch size must be between 1 and 100000, got " + batchSize);
        }
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("partitions must be between 1 and 10000, got " + partitions);
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or a positive number of documents per "
                    + "second, got " + rate);
        }
    }

    /** One worker, batches of 1,000, 16 partitions, no rate limit. */
    public static JobOptions defaults() {
        return new JobOptions(1, 1_000, 16, 0);
    }

    public JobOptions withWorkers(int workers) {
        return new JobOptions(workers, batchSize, partitions, rate);
    }

    public JobOptions withBatchSize(int batchSize) {
        return new JobOptions(workers, batchSize, partitions, rate);
    }

    public JobOptions withPartitions(int partitions) {
        return new JobOptions(workers, batchSize, partitions, rate);
    }

    public JobOptions withRate(double rate) {
        return new JobOptions(workers, batchSize, partitions, rate);
    }
}
