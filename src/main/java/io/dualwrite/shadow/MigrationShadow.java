package io.dualwrite.shadow;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.bson.Document;

import io.dualwrite.Phase;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.ReadObserver;

/**
 * The shadow reads of one migration: the observer installed on its store (the sampling decision and the hand-over,
 * on the caller's thread), its rate and its counters.
 */
final class MigrationShadow implements ReadObserver {

    final String id;

    final PhasedStore<?> store;

    private final ShadowComparator comparator;

    private final int maxDocumentsPerRead;

    /** The share of reads sampled; written by the rate poll and {@link ShadowReads#setSampleRate}. */
    volatile double rate;

    final LongAdder sampled = new LongAdder();

    final LongAdder dropped = new LongAdder();

    final LongAdder compared = new LongAdder();

    final LongAdder mismatches = new LongAdder();

    final LongAdder unsettled = new LongAdder();

    final LongAdder notYetCopied = new LongAdder();

    final LongAdder skipped = new LongAdder();

    final LongAdder failed = new LongAdder();

    MigrationShadow(PhasedStore<?> store, ShadowComparator comparator, int maxDocumentsPerRead, double rate) {
        this.id = store.migration().id();
        this.store = store;
        this.comparator = comparator;
        this.maxDocumentsPerRead = maxDocumentsPerRead;
        this.rate = rate;
    }

    /** Only in the write-both phases, at the current rate: one volatile read and at most one random draw. */
    @Override
    public boolean sample(Phase phase) {
        double current = rate;
        return current > 0 && phase.writesBoth()
                && (current >= 1 || ThreadLocalRandom.current().nextDouble() < current);
    }

    @Override
    public void readById(Phase phase, Object storedId, Document document) {
        comparator.submit(new ShadowComparator.Sample(this, phase, storedId, document, null));
    }

    @Override
    public void readMany(Phase phase, List<Document> documents) {
        if (documents.isEmpty()) {
            return;
        }
        List<Document> compared = documents.size() > maxDocumentsPerRead
                ? List.copyOf(documents.subList(0, maxDocumentsPerRead)) : documents;
        comparator.submit(new ShadowComparator.Sample(this, phase, null, null, compared));
    }

    ShadowReadStats stats() {
        return new ShadowReadStats(id, rate, sampled.sum(), dropped.sum(), compared.sum(), mismatches.sum(),
                unsettled.sum(), notYetCopied.sum(), skipped.sum(), failed.sum());
    }
}
