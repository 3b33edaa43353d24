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
import com.mongodb.client.model.WriteModel;

import io.dualwrite.Shape;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.GuardedCopy;
import io.dualwrite.internal.PhasedStore;

/**
 * Copies a batch from the source shape to the target shape in one unordered bulk write, every document guarded by
 * its version:
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
 * dead letters; the batch goes on. The rules for one document are {@link GuardedCopy}'s, which the repair job applies
 * to one entity.
 */
final class CopyProcessor implements BatchProcessor {

    private final PhasedStore<?> store;

    private final JobStore jobs;

    private final String runId;

    private final Clock clock;

    private final boolean clearDeadLetters;

    private final GuardedCopy guardedCopy;

    /** Whether the next batch is first inserted (most documents new to the target) or written guarded at once. */
    private volatile boolean insertFirst = true;

    CopyProcessor(PhasedStore<?> store, JobStore jobs, String runId, Clock clock) {
        this.store = store;
        this.jobs = jobs;
        this.runId = runId;
        this.clock = clock;
        this.clearDeadLetters = jobs.countDeadLetters(store.migration().id()) > 0;
        this.guardedCopy = new GuardedCopy(store, Shape.OLD);
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
        MongoCollection<Document> target = store.shape(Shape.NEW).collection();
        List<Document> copies = new ArrayList<>(batch.size());
        List<Object> ids = new ArrayList<>(batch.size());
        List<Long> versions = new ArrayList<>(batch.size());
        List<Boolean> tombstones = new ArrayList<>(batch.size());
        Set<Object> converted = new HashSet<>();
        for (Document source : batch) {
            Object id = source.get("_id");
            long version = Bookkeeping.version(source, versionField);
            Document copy;
            boolean tombstone = Bookkeeping.isTombstone(source);
            try {
                copy = guardedCopy.copyOf(source, clock.instant());
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
        }
        if (copies.isEmpty()) {
            return;
        }
        Map<Integer, BulkWriteError> errors = write(target, copies, ids, versions);
        List<Object> collided = new ArrayList<>();
        List<Object> applied = new ArrayList<>();
        List<Long> appliedVersions = new ArrayList<>();
        for (int i = 0; i < copies.size(); i++) {
            BulkWriteError error = errors.get(i);
            if (error == null) {
                result.add(Counts.COPIED, 1);
                if (!tombstones.get(i)) {
                    applied.add(ids.get(i));
                    appliedVersions.add(versions.get(i));
                }
            }
            else if (ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY) {
                collided.add(i);
            }
            else {
                converted.remove(ids.get(i));
                deadLetter(ids.get(i), "the " + Shape.NEW.tag() + " shape refused it: " + error.getMessage(), result);
            }
        }
        sortOutCollisions(target, collided, ids, versions, converted, result);
        recheckDeletes(applied, appliedVersions, batch.get(0).get("_id"), batch.get(batch.size() - 1).get("_id"),
                result);
        if (clearDeadLetters) {
            jobs.clearDeadLetters(store.migration().id(), converted);
        }
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
            List<Object> ids, List<Long> versions) {
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
        pending.forEach(i -> guarded.add(new ReplaceOneModel<>(guardedCopy.guard(ids.get(i), versions.get(i)),
                copies.get(i), upsert)));
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
     * A duplicate key is the guard at work when the target holds the id at an equal or newer write count; otherwise
     * another unique index refused the document, and it becomes a dead letter.
     */
    private void sortOutCollisions(MongoCollection<Document> target, List<Object> collided, List<Object> ids,
            List<Long> versions, Set<Object> converted, Result result) {
        if (collided.isEmpty()) {
            return;
        }
        List<Object> collidedIds = new ArrayList<>();
        for (Object index : collided) {
            collidedIds.add(ids.get((Integer) index));
        }
        Map<Object, Long> stored = versionsOf(target, collidedIds);
        for (Object index : collided) {
            int i = (Integer) index;
            Long storedVersion = stored.get(ids.get(i));
            if (GuardedCopy.holdsAtLeast(storedVersion, versions.get(i))) {
                result.add(Counts.SKIPPED, 1);
            }
            else {
                converted.remove(ids.get(i));
                deadLetter(ids.get(i), "the " + Shape.NEW.tag() + " shape refused it: duplicate key on a unique "
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
            Result result) {
        if (applied.isEmpty()) {
            return;
        }
        Map<Object, Document> current = currentInSource(applied, lowest, highest);
        Instant now = clock.instant();
        for (int i = 0; i < applied.size(); i++) {
            Object id = applied.get(i);
            // a withdrawn copy is removed at once: a retried batch would no longer read the deleted document
            if (guardedCopy.withdrawIfDeleted(id, appliedVersions.get(i), current.get(id), now)) {
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
            if (Bookkeeping.isTombstone(source) || Bookkeeping.holdsShape(source, Shape.NEW)
                    || !Bookkeeping.holdsShape(source, Shape.OLD)) {
                result.add(Counts.SKIPPED, 1);
                continue;
            }
            Bson update;
            try {
                update = guardedCopy.withinDocumentUpdate(source);
                converted.add(id);
            }
            catch (RuntimeException ex) {
                deadLetter(id, "the mapping cannot convert it: " + describe(ex), result);
                continue;
            }
            long version = Bookkeeping.version(source, versionField);
            writes.add(new UpdateOneModel<>(guardedCopy.withinDocumentFilter(id, version), update));
        }
        if (!writes.isEmpty()) {
            BulkWriteResult written = collection.bulkWrite(writes, new BulkWriteOptions().ordered(false));
            result.add(Counts.COPIED, written.getMatchedCount());
            result.add(Counts.SKIPPED, writes.size() - written.getMatchedCount());
        }
        if (clearDeadLetters) {
            jobs.clearDeadLetters(store.migration().id(), converted);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void deadLetter(Object id, String error, Result result) {
        jobs.deadLetter(store.migration().id(), runId, id, error, clock.instant());
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
        MongoCollection<Document> source = store.shape(Shape.OLD).collection();
        Bson fields = Projections.include(store.versionField(), Bookkeeping.DELETED);
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

    private Map<Object, Long> versionsOf(MongoCollection<Document> collection, List<Object> ids) {
        Map<Object, Long> versions = new HashMap<>();
        for (Document document : collection.find(idIn(ids)).projection(Projections.include(store.versionField()))) {
            versions.put(document.get("_id"), Bookkeeping.version(document, store.versionField()));
        }
        return versions;
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
