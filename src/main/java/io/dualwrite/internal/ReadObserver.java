package io.dualwrite.internal;

import java.util.List;

import org.bson.Document;

import io.dualwrite.Phase;

/**
 * Told about the reads of one {@link PhasedStore}, on the caller's thread (shadow reads hand them to a comparison
 * elsewhere). {@link #sample} is asked once per read and must be cheap; the other methods are called only for sampled
 * reads, after the read succeeded, and must return at once. Whatever they throw is swallowed by the store: a read never
 * fails because of its observer.
 */
public interface ReadObserver {

    /** Observes nothing. */
    ReadObserver NONE = new ReadObserver() {

        @Override
        public boolean sample(Phase phase) {
            return false;
        }

        @Override
        public void readById(Phase phase, Object storedId, Document document) {
        }

        @Override
        public void readMany(Phase phase, List<Document> documents) {
        }
    };

    /** Whether this read, in {@code phase}, is to be observed. */
    boolean sample(Phase phase);

    /**
     * A read by id.
     *
     * @param phase the phase the read was made in (its read shape is the one read)
     * @param storedId the {@code _id} looked up
     * @param document what the read shape held, as read: {@code null} when nothing, possibly a tombstone (or, in a
     * same-collection migration, a document not holding the read shape)
     */
    void readById(Phase phase, Object storedId, Document document);

    /**
     * A query's live documents, in the order returned (the caller got the entities mapped from them).
     *
     * @param phase the phase the read was made in
     * @param documents the documents read; never {@code null}, possibly empty
     */
    void readMany(Phase phase, List<Document> documents);
}
