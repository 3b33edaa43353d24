package io.dualwrite.copier;

/** Where a job run stands. */
public enum JobStatus {

    /** Workers take partitions and process them. */
    RUNNING,

    /** Workers finish their current batch, checkpoint and wait for a resume. */
    PAUSED,

    /** Stopped for good by an operator; a new run starts from the beginning. */
    CANCELLED,

    /** Every partition was processed. */
    FINISHED;

    /** Whether the run can still make progress (running or paused). */
    public boolean isActive() {
        return this == RUNNING || this == PAUSED;
    }
}
