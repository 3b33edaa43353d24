package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link JobListener} that records what the workers of one process (one application context) do, and lets a test
 * act at those points on the worker's thread: hold it (a {@link Gate}), change something, or kill it (throw an
 * {@link Error}, which the engine treats as a crash: the lease stays held).
 */
final class RecordingListener implements JobListener {

    /** What a test does at a point of a worker's work. */
    @FunctionalInterface
    interface Action {

        /**
         * @param worker the worker's name
         * @param batch the number of this worker's batch, counted from 1 since the last {@link #reset()} (0 for
         * partition leases)
         */
        void at(String worker, int batch, List<Object> ids);
    }

    record Leased(String runId, int partition, String worker, String previousOwner) {
    }

    record Batch(String runId, int partition, String worker, List<Object> ids) {
    }

    record Done(String runId, int partition, String worker, Map<String, Long> counts) {
    }

    /** Thrown by tests to kill a worker as a crash would. */
    static final class SimulatedCrash extends Error {

        SimulatedCrash(String worker) {
            super("simulated crash of worker " + worker + " (test)", null, false, false);
        }
    }

    final List<Leased> leased = new CopyOnWriteArrayList<>();

    final List<Batch> read = new CopyOnWriteArrayList<>();

    final List<Done> done = new CopyOnWriteArrayList<>();

    volatile Action onLeased;

    volatile Action onBatchRead;

    volatile Action onBatchDone;

    void reset() {
        leased.clear();
        read.clear();
        done.clear();
        onLeased = null;
        onBatchRead = null;
        onBatchDone = null;
    }

    @Override
    public void partitionLeased(JobRun run, int partition, String worker, String previousOwner) {
        leased.add(new Leased(run.id(), partition, worker, previousOwner));
        Action action = onLeased;
        if (action != null) {
            action.at(worker, 0, List.of());
        }
    }

    @Override
    public void batchRead(JobRun run, int partition, List<Object> ids) {
        String worker = worker();
        read.add(new Batch(run.id(), partition, worker, List.copyOf(ids)));
        Action action = onBatchRead;
        if (action != null) {
            action.at(worker, (int) read.stream().filter(b -> b.worker().equals(worker)).count(), ids);
        }
    }

    @Override
    public void batchDone(JobRun run, int partition, Map<String, Long> counts) {
        String worker = worker();
        done.add(new Done(run.id(), partition, worker, Map.copyOf(counts)));
        Action action = onBatchDone;
        if (action != null) {
            action.at(worker, (int) done.stream().filter(b -> b.worker().equals(worker)).count(), List.of());
        }
    }

    /** Every id read, in order, batch after batch (an id read twice appears twice). */
    List<Object> idsRead() {
        List<Object> ids = new ArrayList<>();
        read.forEach(batch -> ids.addAll(batch.ids()));
        return ids;
    }

    /** The worker name of the current thread ("dualwrite-<kind>-<worker>"; a kind's tag may hold a dash). */
    static String worker() {
        String thread = Thread.currentThread().getName();
        for (JobKind kind : JobKind.values()) {
            String prefix = "dualwrite-" + kind.tag() + "-";
            if (thread.startsWith(prefix)) {
                return thread.substring(prefix.length());
            }
        }
        return thread;
    }
}
