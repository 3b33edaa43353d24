package io.dualwrite.copier;

import java.util.List;
import java.util.Map;

/**
 * Hears what job workers do. Called on the worker's thread; an exception thrown here stops that worker as a crash
 * would (its lease is not released and expires), which tests use to kill a worker between reading and writing.
 */
public interface JobListener {

    /** A worker leased a partition ({@code previousOwner} is set when it took it over from an expired lease). */
    default void partitionLeased(JobRun run, int partition, String worker, String previousOwner) {
    }

    /** A batch was read from the source and is about to be written or compared. */
    default void batchRead(JobRun run, int partition, List<Object> ids) {
    }

    /** A batch was processed and checkpointed. */
    default void batchDone(JobRun run, int partition, Map<String, Long> counts) {
    }
}
