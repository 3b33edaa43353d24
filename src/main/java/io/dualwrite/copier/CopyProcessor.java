package io.dualwrite.copier;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.bson.Document;
import org.bson.conversions.Bson;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;

import io.dualwrite.Shape;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.GuardedCopy;
import io.dualwrite.internal.PhasedStore;

/**
 * Copies a batch from the source shape to the target shape in one unordered bulk write, every document guarded by
 * its version. The copy goes from old to new ({@link JobKind#COPY}) or, on the way back from
 * {@code READ_NEW_WRITE_NEW}, from new to old ({@link JobKind#REVERSE_COPY}; see "The reverse copy" below):
 * <ul>
 * <li>two collections: replace-or-insert filtered on {@code {_id, version older than the one read}}; a target holding
 * an equal or newer write makes the upsert collide on {@code _id} (duplicate key) and stays as it is. While most
 * documents are new to the target, the batch is first inserted as it is, which can only create documents the target
 * lacks; the guarded write then handles the ones it holds (see {@link #write}). A source tombstone is copied as a
 * tombstone. After the write the copied ids are read again from the source (the batch's {@code _id} range, see
 * {@link #currentInSource}): one that was deleted meanwhile (by an instance that deletes without leaving a
 * tombstone, or whose tombstone write failed) is turned into a tombstone in the target, over exactly the version the
 * copier wrote (or removed, when the target refuses the tombstone), so a copy never brings a deleted entity back;</li>
 * <li>one collection: the new fields are added to the document only if it still has exactly the version read, so
 * any concurrent write wins.</li>
 * </ul>
 * Documents the mapping cannot convert, and documents the target refuses (a unique index on another field), become
 * dead letters; the batch goes on.
 * <p>
 * <b>The reverse copy.</b> A new-shape document marked {@code _dwNewOnly} (written by a {@code READ_NEW_WRITE_NEW}
 * instance: the new shape decides for the entity, and old may hold anything older, or a write-both writer's claim that
 * lost to new) is written to old over any document at the same or a lower write count, except an equal copy. In a run
 * that started while every live instance wrote both shapes ({@link JobRun#allWritingBothAtStart()}, and the phase is
 * still a write-both phase) the copy is written unmarked and the mark is then removed from the new document, over
 * exactly the version read: the entity is <em>handed back</em>, and the old shape decides for it again. In any other
 * run (instances in {@code READ_NEW_WRITE_NEW} may write) the copy is written marked, on new's behalf, and nothing is
 * handed back: no claim on old succeeds on a marked document, so writers keep going through new. Unmarked documents are
 * copied like the forward copy's, over an older write count only. docs/architecture.md proves why.
 * <p>
 * The rules for one document (the copy, the guards, what a collision means, the delete re-check, the one-collection
 * update) are {@link GuardedCopy}'s, shared with the repair job; this class applies them to a batch in bulk.
 */
final class CopyProcessor implements BatchProcessor {

    private final PhasedStore<?> store;

    private final JobStore jobs;

    private final String runId;

    private final Clock clock;

    private final boolean clearDeadLetters;

    private final JobKind kind;

    private final Shape source;

    private final Shape target;

    /** The single-document rules, from the source shape to the target shape. */
    private final GuardedCopy rules;

    /** Reverse copy: whether this batch may hand entities back to old (asked before every batch). */
    private final BooleanSupplier mayHandBack;

    /** Whether the next batch is first inserted (most documents new to the target) or written guarded at once. */
    private volatile boolean insertFirst = true;

    CopyProcessor(PhasedStore<?> store, JobStore jobs, String runId, Clock clock) {
        this(store, jobs, runId, clock, JobKind.COPY, () -> false);
    }

    /**
     * @param kind {@link JobKind#COPY} or {@link JobKind#REVERSE_COPY}
     * @param mayHandBack reverse copy: whether a batch may hand entities back to the old shape (the run started while
     * every live instance wrote both shapes, and they still do as far as this process knows)
     */
    CopyProcessor(PhasedStore<?> store, JobStore jobs, String runId, Clock clock, JobKind kind,
            BooleanSupplier mayHandBack) {
        if (!kind.isCopy()) {
            throw new IllegalArgumentException("not a copy: " + kind.tag());
        }
        this.store = store;
        this.jobs = jobs;
        this.runId = runId;
        this.clock = clock;
        this.kind = kind;
        this.source = kind.source();
        this.target = kind.target();
        this.rules = new GuardedCopy(store, source);
        this.mayHandBack = mayHandBack;
        this.clearDeadLetters = jobs.countDeadLetters(kind, store.migration().id()) > 0;
    }

    @Override
    public Result process(Shape side, List<Document> batch, int examplesWanted) {
        Result result = new Result();
        result.add(Counts.PROCESSED, batch.size());
        if (store.isSameCollection()) {
            copyWithinDocuments(batch, result);
        }
        else {
            copyToTarget(batch, result);
        }
        return result;
    }

    // ---------------------------------------------------------------- two collections

    private void copyToTarget(List<Document> batch, Result result) {
        String versionField = store.versionField();
        MongoCollection<Document> target = store.shape(this.target).collection();
        boolean handBack = kind == JobKind.REVERSE_COPY && mayHandBack.getAsBoolean();
        List<Document> copies = new ArrayList<>(batch.size());
        List<Object> ids = new ArrayList<>(batch.size());
        List<Long> versions = new ArrayList<>(batch.size());
        List<Boolean> tombstones = new ArrayList<>(batch.size());
        List<Boolean> newDecides = new ArrayList<>(batch.size());
        Set<Object> converted = new HashSet<>();
        Instant now = clock.instant();
        for (Document source : batch) {
            Object id = source.get("_id");
            long version = Bookkeeping.version(source, versionField);
            Document copy;
            boolean tombstone = Bookkeeping.isTombstone(source);
            boolean marked = kind == JobKind.REVERSE_COPY && Bookkeeping.isNewOnly(source);
            try {
                // marked: written on new's behalf, no claim on old succeeds on it
                copy = rules.copyOf(source, now, marked && !handBack);
            }
            catch (RuntimeException ex) {
                deadLetter(id, "the mapping cannot convert it: " + describe(ex), result);
                continue;
            }
            if (!tombstone) {
                converted.add(id);
            }
            copies.add(copy);
            ids.add(id);
            versions.add(version);
            tombstones.add(tombstone);
            newDecides.add(marked);
        }
        if (copies.isEmpty()) {
            return;
        }
        Map<Integer, BulkWriteError> errors = write(target, copies, ids, versions, newDecides, handBack);
        List<Object> collided = new ArrayList<>();
        List<Object> applied = new ArrayList<>();
        List<Long> appliedVersions = new ArrayList<>();
        List<Integer> handBackCandidates = new ArrayList<>();
        for (int i = 0; i < copies.size(); i++) {
            BulkWriteError error = errors.get(i);
            if (error == null) {
                result.add(Counts.COPIED, 1);
                if (!tombstones.get(i)) {
                    applied.add(ids.get(i));
                    appliedVersions.add(versions.get(i));
                }
                if (handBack && newDecides.get(i)) {
                    handBackCandidates.add(i);
                }
            }
            else if (ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY) {
                collided.add(i);
            }
            else {
                converted.remove(ids.get(i));
                deadLetter(ids.get(i), "the " + this.target.tag() + " shape refused it: " + error.getMessage(),
                        result);
            }
        }
        sortOutCollisions(target, collided, ids, versions, newDecides, handBack, converted, result,
                handBackCandidates);
        recheckDeletes(applied, appliedVersions, batch.get(0).get("_id"), batch.get(batch.size() - 1).get("_id"),
                handBack, result);
        handBack(handBackCandidates, ids, versions, result);
        if (clearDeadLetters) {
            jobs.clearDeadLetters(kind, store.migration().id(), converted);
        }
    }

    /**
     * Reverse copy, in a run that hands entities back: the old shape now holds exactly the version read, unmarked;
     * the mark is removed from the new document if it still holds that version, marked. A write in between changed the
     * version, and then the entity simply stays with new (the next run hands it back). Counted as
     * {@link Counts#HANDED_BACK}.
     */
    private void handBack(List<Integer> candidates, List<Object> ids, List<Long> versions, Result result) {
        if (candidates.isEmpty()) {
            return;
        }
        List<WriteModel<Document>> unmark = new ArrayList<>(candidates.size());
        for (int i : candidates) {
            unmark.add(new UpdateOneModel<>(Filters.and(Filters.eq("_id", ids.get(i)),
                    Filters.eq(store.versionField(), versions.get(i)), Filters.eq(Bookkeeping.NEW_ONLY, true)),
                    Updates.unset(Bookkeeping.NEW_ONLY)));
        }
        BulkWriteResult unmarked = store.shape(source).collection().bulkWrite(unmark,
                new BulkWriteOptions().ordered(false));
        result.add(Counts.HANDED_BACK, unmarked.getModifiedCount());
    }

    /**
     * The guard of one copy: the target holds an older write count (or no version), {@link GuardedCopy#olderWrite}. A
     * reverse copy of a document the new shape decides for also writes over the same write count (a write-both
     * writer's claim on old that lost to new), or over an equal copy whose mark differs from the one written; only an
     * equal copy stays ({@link GuardedCopy#reverseGuard}).
     */
    private Bson guard(Object id, long version, boolean newDecides, boolean handBack) {
        if (kind != JobKind.REVERSE_COPY) {
            return rules.olderWrite(id, version);
        }
        return rules.reverseGuard(id, version, newDecides, handBack);
    }

    /**
     * Writes a batch and returns the write errors by position in the batch. The guarded replace-or-insert of every
     * copy (filtered on its id holding an older version than the one read) is preceded, while most documents are new
     * to the target, by a plain unordered insert of the copies: an insert only ever creates a document whose id the
     * target does not
     * hold, exactly what the guarded write does for such an id, and it never replaces anything, so it needs no guard.
     * Only the documents the insert could not write (the target holds the id, or refused the document for another
     * reason) go through the guarded write, and its outcome decides for them as before. An insert is much cheaper
     * than a filtered upsert (no query per document); when most of a batch's inserts collide (the target already
     * holds most documents, as in a re-run), the next batches go straight to the guarded write until most of one
     * are inserts again.
     */
    private Map<Integer, BulkWriteError> write(MongoCollection<Document> target, List<Document> copies,
            List<Object> ids, List<Long> versions, List<Boolean> newDecides, boolean handBack) {
        Map<Integer, BulkWriteError> errors = new HashMap<>();
        List<Integer> pending = new ArrayList<>();
        if (insertFirst) {
            try {
                target.insertMany(copies, new InsertManyOptions().ordered(false));
            }
            catch (MongoBulkWriteException ex) {
                if (ex.getWriteConcernError() != null) {
                    throw ex; // the batch is not checkpointed and will be read and written again
                }
                ex.getWriteErrors().forEach(error -> pending.add(error.getIndex()));
            }
            insertFirst = pending.size() * 2 <= copies.size();
        }
        else {
            for (int i = 0; i < copies.size(); i++) {
                pending.add(i);
            }
        }
        if (pending.isEmpty()) {
            return errors;
        }
        ReplaceOptions upsert = new ReplaceOptions().upsert(true);
        List<WriteModel<Document>> guarded = new ArrayList<>(pending.size());
        pending.forEach(i -> guarded.add(new ReplaceOneModel<>(guard(ids.get(i), versions.get(i), newDecides.get(i),
                handBack), copies.get(i), upsert)));
        BulkWriteResult written;
        try {
            written = target.bulkWrite(guarded, new BulkWriteOptions().ordered(false));
        }
        catch (MongoBulkWriteException ex) {
            if (ex.getWriteConcernError() != null) {
                throw ex; // the batch is not checkpointed and will be read and written again
            }
            for (BulkWriteError error : ex.getWriteErrors()) {
                errors.put(pending.get(error.getIndex()), error);
            }
            written = ex.getWriteResult();
        }
        if (!insertFirst && written.getUpserts().size() * 2 > guarded.size()) {
            insertFirst = true;
        }
        return errors;
    }

    /**
     * A duplicate key is the guard at work when the target holds the id at an equal or newer write count (for a reverse
     * copy of a document new decides for: a newer count, or exactly the version copied); otherwise another unique index
     * refused the document, and it becomes a dead letter. A reverse copy handing entities back also hands back those
     * whose old document already was exactly the version read, unmarked.
     */
    private void sortOutCollisions(MongoCollection<Document> target, List<Object> collided, List<Object> ids,
            List<Long> versions, List<Boolean> newDecides, boolean handBack, Set<Object> converted, Result result,
            List<Integer> handBackCandidates) {
        if (collided.isEmpty()) {
            return;
        }
        List<Object> collidedIds = new ArrayList<>();
        for (Object index : collided) {
            collidedIds.add(ids.get((Integer) index));
        }
        Map<Object, Document> stored = storedVersions(target, collidedIds);
        for (Object index : collided) {
            int i = (Integer) index;
            Document storedDocument = stored.get(ids.get(i));
            Long storedVersion = storedDocument == null ? null
                    : Bookkeeping.version(storedDocument, store.versionField());
            long version = versions.get(i);
            boolean guardAtWork = GuardedCopy.holdsTheCopyOrLater(storedVersion, version, newDecides.get(i));
            if (guardAtWork) {
                result.add(Counts.SKIPPED, 1);
                if (handBack && newDecides.get(i) && storedVersion == version
                        && !Bookkeeping.isNewOnly(storedDocument)) {
                    handBackCandidates.add(i);
                }
            }
            else {
                converted.remove(ids.get(i));
                deadLetter(ids.get(i), "the " + this.target.tag() + " shape refused it: duplicate key on a unique "
                        + "index other than _id; fix the data or the index and run the copier again", result);
            }
        }
    }

    /**
     * Reads the copied ids back from the source. A document gone from it (deleted without a tombstone) or replaced
     * by a tombstone since it was read must not stay live in the target because of this copy: the copy is replaced
     * by a tombstone, guarded on exactly the version the copier wrote, so a newer write is never touched.
     */
    private void recheckDeletes(List<Object> applied, List<Long> appliedVersions, Object lowest, Object highest,
            boolean handBack, Result result) {
        if (applied.isEmpty()) {
            return;
        }
        Map<Object, Document> current = currentInSource(applied, lowest, highest);
        Instant now = clock.instant();
        for (int i = 0; i < applied.size(); i++) {
            Object id = applied.get(i);
            Document now_ = current.get(id);
            if (now_ != null && !Bookkeeping.isTombstone(now_)) {
                continue;
            }
            // a delete new decided is written on new's behalf, unless this run hands entities back; a copy withdrawn
            // for a tombstone the target refuses is removed (a retried batch would not read the deleted document again)
            boolean marked = now_ != null && Bookkeeping.isNewOnly(now_) && !handBack;
            if (rules.withdrawIfDeleted(id, appliedVersions.get(i), now_, now, marked)) {
                result.add(Counts.DELETES_CAUGHT, 1);
            }
        }
    }

    // ---------------------------------------------------------------- one collection

    private void copyWithinDocuments(List<Document> batch, Result result) {
        String versionField = store.versionField();
        MongoCollection<Document> collection = store.shape(Shape.OLD).collection();
        List<WriteModel<Document>> writes = new ArrayList<>(batch.size());
        Set<Object> converted = new HashSet<>();
        for (Document source : batch) {
            Object id = source.get("_id");
            if (Bookkeeping.isTombstone(source) || Bookkeeping.holdsShape(source, this.target)
                    || !Bookkeeping.holdsShape(source, this.source)) {
                result.add(Counts.SKIPPED, 1);
                continue;
            }
            Bson update;
            try {
                update = rules.withinDocumentUpdate(source);
                converted.add(id);
            }
            catch (RuntimeException ex) {
                deadLetter(id, "the mapping cannot convert it: " + describe(ex), result);
                continue;
            }
            long version = Bookkeeping.version(source, versionField);
            writes.add(new UpdateOneModel<>(rules.withinDocumentFilter(id, version), update));
        }
        if (!writes.isEmpty()) {
            BulkWriteResult written = collection.bulkWrite(writes, new BulkWriteOptions().ordered(false));
            result.add(Counts.COPIED, written.getMatchedCount());
            result.add(Counts.SKIPPED, writes.size() - written.getMatchedCount());
        }
        if (clearDeadLetters) {
            jobs.clearDeadLetters(kind, store.migration().id(), converted);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Documents the new shape alone still decides for, in both collections: marked {@code _dwNewOnly} in either shape
     * (two collections), or live and holding the new shape's fields only (one collection). What a reverse copy counts
     * when it finishes ({@link Counts#NEW_ONLY}); one query per collection, not on any hot path.
     */
    static long newOnlyRemaining(PhasedStore<?> store) {
        if (store.isSameCollection()) {
            return store.shape(Shape.NEW).collection().countDocuments(Filters.and(
                    Filters.exists(Bookkeeping.DELETED, false), Filters.exists(Bookkeeping.SHAPES, true),
                    Filters.ne(Bookkeeping.SHAPES, Shape.OLD.tag())));
        }
        Bson marked = Filters.eq(Bookkeeping.NEW_ONLY, true);
        return store.shape(Shape.NEW).collection().countDocuments(marked)
                + store.shape(Shape.OLD).collection().countDocuments(marked);
    }

    private void deadLetter(Object id, String error, Result result) {
        jobs.deadLetter(kind, store.migration().id(), runId, id, error, clock.instant());
        result.add(Counts.DEAD_LETTERED, 1);
    }

    /**
     * The source documents of the given ids as they are now (version and tombstone mark only), by id; an id missing
     * from the map is gone from the source. The batch came from one cursor in {@code _id} order, so its ids lie
     * between its first and its last: for ids of the common types the source is asked for that range, sorted by
     * {@code _id} (an index range scan, and on the embedded server a walk of its ordered view, instead of a lookup of
     * every id), which holds every one of them still there and perhaps documents inserted since, ignored here. Should
     * far more documents than the batch have been inserted into the range meanwhile, or for other id types, the ids
     * are looked up one by one ({@code $in}).
     */
    private Map<Object, Document> currentInSource(List<Object> applied, Object lowest, Object highest) {
        MongoCollection<Document> source = store.shape(this.source).collection();
        Bson fields = Projections.include(store.versionField(), Bookkeeping.DELETED, Bookkeeping.NEW_ONLY);
        Map<Object, Document> current = new HashMap<>();
        if (isRangeType(lowest) && isRangeType(highest)
                && Partitioner.typeBracket(lowest).equals(Partitioner.typeBracket(highest))) {
            int bound = 2 * applied.size() + 100;
            for (Document document : source.find(Filters.and(Filters.gte("_id", lowest), Filters.lte("_id", highest)))
                    .projection(fields).sort(Sorts.ascending("_id")).limit(bound + 1)) {
                current.put(document.get("_id"), document);
            }
            if (current.size() <= bound) {
                return current;
            }
            current.clear();
        }
        for (Document document : source.find(idIn(applied)).projection(fields)) {
            current.put(document.get("_id"), document);
        }
        return current;
    }

    /** Id types whose ranges every server scans in order (MongoDB on its index, the embedded one on its view). */
    private static boolean isRangeType(Object id) {
        return id instanceof String || id instanceof org.bson.types.ObjectId || id instanceof Date
                || id instanceof Integer || id instanceof Long;
    }

    /** The stored documents of the ids, version and mark only. */
    private Map<Object, Document> storedVersions(MongoCollection<Document> collection, List<Object> ids) {
        Map<Object, Document> stored = new HashMap<>();
        for (Document document : collection.find(idIn(ids)).projection(Projections.include(store.versionField(),
                Bookkeeping.NEW_ONLY))) {
            stored.put(document.get("_id"), document);
        }
        return stored;
    }

    /**
     * {@code {$and: [{_id: {$in: ids}}]}}: the same documents as a bare {@code $in}, in a form the embedded server
     * answers from its {@code _id} index without matching each document against the whole list (its stock path does
     * that for a bare {@code $in}: n&sup2; comparisons).
     */
    static Bson idIn(List<Object> ids) {
        // a plain document: encoded as it is, without the builders' intermediate BsonDocument of every id
        return new Document("$and", List.of(new Document("_id", new Document("$in", ids))));
    }

    private static String describe(RuntimeException ex) {
        String message = ex.getMessage();
        return ex.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
