package io.dualwrite.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bson.Document;
import org.bson.conversions.Bson;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;

import io.dualwrite.Shape;

/**
 * The version guard for copying one entity from one shape ({@code from}) to the other ({@code to}): every rule for a
 * single document, in one place. The copier (forward and reverse) applies them to every document of a batch, in bulk;
 * the repair job applies its own selection of them to one entity with {@link #copy}. docs/architecture.md ("The copy
 * of one batch", "The reverse copy", "Repair") explains why each rule is what it is.
 * <ul>
 * <li><b>The copy</b> ({@link #copyOf}): a tombstone is copied as a tombstone; a live document becomes what the mapping
 * makes of it; both keep the source's {@code _id} and version, and carry the {@code _dwNewOnly} mark only when the
 * caller says so.</li>
 * <li><b>Guards</b> (where the copy may land; anything else makes the upsert collide on {@code _id} and leaves the
 * target as it is): {@link #olderWrite} for the forward copy (an older write count or no version);
 * {@link #reverseGuard} for the reverse copy (which also writes over the same write count for an entity the new shape
 * decides for); {@link #repairGuard} for a repair (an older write count, and never an unmarked copy over a marked old
 * document).</li>
 * <li><b>Collisions</b> ({@link #holdsAtLeast}, {@link #holdsTheCopyOrLater}): a collision where the target holds the
 * copy or a later write is the guard at work; otherwise another unique index refused the document.</li>
 * <li><b>The delete re-check</b> ({@link #withdrawIfDeleted}): a live copy whose source was deleted meanwhile is
 * replaced by a tombstone, over exactly the version copied.</li>
 * <li><b>One collection</b> ({@link #withinDocumentFilter}, {@link #withinDocumentUpdate}): the other shape's fields
 * are added to the document only while it still has exactly the version read, so any concurrent write wins.</li>
 * </ul>
 */
public final class GuardedCopy {

    private final PhasedStore<?> store;

    private final Shape from;

    private final Shape to;

    /**
     * @param store the migration's store
     * @param from the shape copied from; the copy goes to the other one
     */
    public GuardedCopy(PhasedStore<?> store, Shape from) {
        this.store = Objects.requireNonNull(store, "store");
        this.from = Objects.requireNonNull(from, "from");
        this.to = from.other();
    }

    /** The shape copied from. */
    public Shape from() {
        return from;
    }

    /** The shape copied to. */
    public Shape to() {
        return to;
    }

    // ---------------------------------------------------------------- the rules, for one document

    /**
     * The document the target gets for {@code source}: for a tombstone a tombstone at the same version (and deletion
     * time, {@code now} when it has none); otherwise what the mapping makes of it, with the source's {@code _id} and
     * version (never the source's bookkeeping fields). {@code marked} adds {@code _dwNewOnly: true}: the copy is
     * written on the new shape's behalf.
     *
     * @throws RuntimeException when the mapping cannot convert the document
     */
    public Document copyOf(Document source, Instant now, boolean marked) {
        Object id = source.get("_id");
        long version = Bookkeeping.version(source, store.versionField());
        Document copy;
        if (Bookkeeping.isTombstone(source)) {
            Date at = source.getDate(Bookkeeping.DELETED_AT);
            copy = Bookkeeping.tombstone(id, store.versionField(), version, at != null ? at : Date.from(now));
        }
        else {
            copy = new Document("_id", id);
            copy.putAll(store.convert(source, from, to));
            copy.put(store.versionField(), version);
        }
        if (marked) {
            copy.put(Bookkeeping.NEW_ONLY, true);
        }
        return copy;
    }

    /**
     * The forward copy's guard: {@code {_id: id}} holding an older write count than {@code version}, or no version.
     */
    public Bson olderWrite(Object id, long version) {
        return store.olderWriteThan(id, version);
    }

    /**
     * The reverse copy's guard (new &rarr; old). For a document the new shape decides for ({@code newDecides}: marked
     * in new) old is written over the same or a lower write count — old may hold a write-both writer's claim that lost
     * to new at the same count — except over this very copy: the same version with the mark the copy carries (marked
     * unless {@code handBack}). For an unmarked document, an older write count (a missing version counts as 0: old
     * documents written before the migration are not older than their forward copy at version 0), or exactly this
     * version marked (left by an earlier run that wrote on new's behalf).
     */
    public Bson reverseGuard(Object id, long version, boolean newDecides, boolean handBack) {
        String versionField = store.versionField();
        if (!newDecides) {
            long counter = Versions.counter(version);
            Bson older = counter == 0 ? Filters.lt(versionField, 0L) : Filters.or(
                    Filters.lt(versionField, Versions.floor(counter)), Filters.eq(versionField, null));
            return Filters.and(Filters.eq("_id", id), Filters.or(older,
                    Filters.and(Filters.eq(versionField, version), Filters.eq(Bookkeeping.NEW_ONLY, true))));
        }
        Bson otherMark = handBack ? Filters.eq(Bookkeeping.NEW_ONLY, true) : Filters.ne(Bookkeeping.NEW_ONLY, true);
        Bson sameWriteOtherMark = Filters.and(Filters.eq(versionField, version), otherMark);
        Bson notLater = Filters.or(Filters.lt(versionField, Versions.floor(Versions.counter(version) + 1)),
                Filters.eq(versionField, null));
        return Filters.and(Filters.eq("_id", id), notLater,
                Filters.or(Filters.ne(versionField, version), sameWriteOtherMark));
    }

    /**
     * A repair's guard: an older write count than {@code version} (or no version), as for the failed second write it
     * completes; never the same count, so a repair neither overwrites another writer's claim nor a reverse copy's
     * hand-back in progress. An unmarked copy must moreover not replace a marked document in old (only a reverse copy
     * removes that mark), nor, for a source that holds nothing ({@code sourceGone}), a marked document in either shape.
     */
    public Bson repairGuard(Object id, long version, boolean copyMarked, boolean sourceGone) {
        Bson older = olderWrite(id, version);
        if (!copyMarked && (to == Shape.OLD || sourceGone)) {
            return Filters.and(older, Filters.ne(Bookkeeping.NEW_ONLY, true));
        }
        return older;
    }

    /**
     * Whether a target holding {@code storedVersion} (null: nothing) holds the write count of {@code version} or a
     * later one. After a guarded write collided on a duplicate key this tells the guard at work (true) from another
     * unique index refusing the document (false).
     */
    public static boolean holdsAtLeast(Long storedVersion, long version) {
        return storedVersion != null && Versions.counter(storedVersion) >= Versions.counter(version);
    }

    /**
     * {@link #holdsAtLeast}, for a copy that the guard lets over the same write count ({@code sameCountAllowed}: the
     * reverse copy of a document the new shape decides for): then only a later count, or exactly this version, is the
     * guard at work.
     */
    public static boolean holdsTheCopyOrLater(Long storedVersion, long version, boolean sameCountAllowed) {
        if (storedVersion == null) {
            return false;
        }
        long stored = Versions.counter(storedVersion);
        long copied = Versions.counter(version);
        return stored > copied || (stored == copied && (!sameCountAllowed || storedVersion == version));
    }

    /**
     * The delete re-check after a live copy at version {@code copied} reached the target. {@code current} is the
     * source document of the id as read again (its version and tombstone mark suffice), {@code null} when it is gone.
     * If it is gone or a tombstone, the copy is replaced by a tombstone (the source tombstone's version, or one above
     * the copy), {@code marked} or not, filtered on exactly the copied version so that a later write is never touched;
     * should the target refuse the tombstone (a unique index on a field tombstones lack), the copy itself is removed.
     *
     * @return whether the copy was withdrawn
     */
    public boolean withdrawIfDeleted(Object id, long copied, Document current, Instant now, boolean marked) {
        if (current != null && !Bookkeeping.isTombstone(current)) {
            return false;
        }
        String versionField = store.versionField();
        long tombstoneVersion = current != null ? Bookkeeping.version(current, versionField) : Versions.next(copied);
        if (Versions.counter(tombstoneVersion) <= Versions.counter(copied)) {
            tombstoneVersion = Versions.next(copied);
        }
        MongoCollection<Document> target = store.shape(to).collection();
        Bson exactlyTheCopy = Filters.and(Filters.eq("_id", id), Filters.eq(versionField, copied),
                Filters.exists(Bookkeeping.DELETED, false));
        Document tombstone = Bookkeeping.tombstone(id, versionField, tombstoneVersion, Date.from(now));
        if (marked) {
            tombstone.put(Bookkeeping.NEW_ONLY, true);
        }
        try {
            return target.replaceOne(exactlyTheCopy, tombstone).getMatchedCount() > 0;
        }
        catch (MongoWriteException refused) {
            // the target refuses the tombstone (e.g. a unique index on a field tombstones lack): remove the copy
            // itself, now; nothing would come back to it later
            return target.deleteOne(exactlyTheCopy).getDeletedCount() > 0;
        }
    }

    /**
     * One collection: {@code {_id: id}} at exactly {@code version} and not a tombstone, so that any write since the
     * read makes the update miss.
     */
    public Bson withinDocumentFilter(Object id, long version) {
        return Filters.and(store.atVersion(id, version), Filters.exists(Bookkeeping.DELETED, false));
    }

    /**
     * One collection: sets the fields the mapping makes of {@code source} for the target shape, and marks the
     * document as holding both shapes.
     *
     * @throws RuntimeException when the mapping cannot convert the document
     */
    public Bson withinDocumentUpdate(Document source) {
        Document fields = store.convert(source, from, to);
        List<Bson> sets = new ArrayList<>();
        fields.forEach((field, value) -> sets.add(Updates.set(field, value)));
        sets.add(Updates.set(Bookkeeping.SHAPES, List.of(Shape.OLD.tag(), Shape.NEW.tag())));
        return Updates.combine(sets);
    }

    // ---------------------------------------------------------------- one entity, end to end (the repair)

    /** What {@link #copy} did. */
    public enum Outcome {

        /** The target now holds the source's current write (a live document or a tombstone). */
        COPIED,

        /** The target already held the source's write count or a later one (or a write the new shape decides). */
        TARGET_CURRENT,

        /** The copy landed, but the source was deleted meanwhile: the copy was withdrawn (a tombstone in its place). */
        DELETED_MEANWHILE,

        /** One collection: the document is gone, deleted, or does not hold the source shape; nothing to copy. */
        NOTHING_TO_COPY,

        /** One collection: the document changed between the read and the write; read and try again. */
        CHANGED
    }

    /**
     * A repair: re-establishes the target shape of one entity from the source shape as it is now, as the failed second
     * write would have, under the repair's guard ({@link #repairGuard}). Two collections: the source document is read;
     * a live one is copied (then re-checked, see {@link #withdrawIfDeleted}), a tombstone is copied as a tombstone,
     * and an absent one becomes a tombstone at {@code versionIfGone} (a delete that removed the document). The copy
     * carries the source's {@code _dwNewOnly}: an entity the new shape decides for is written into old on new's behalf,
     * so no claim on old succeeds on it. Only over an older write count, so a newer write (or a claim of the same step)
     * is never overwritten and a deleted entity never comes back; an unmarked copy never replaces a marked old document
     * (the attempt fails, saying so), and a tombstone for a source that holds nothing never replaces a marked document.
     * The source is only read: a repair never removes a mark from it, so it never hands an entity back. One
     * collection: the source shape's fields of the document are mapped onto the target shape's, at exactly the version
     * read.
     *
     * @param id the {@code _id}
     * @param versionIfGone the version of the tombstone written when the source holds nothing for the id
     * @param now the time written into a new tombstone
     * @throws IllegalStateException when the target refuses the document on a unique index other than {@code _id}, or
     * holds a marked old document an unmarked copy may not replace
     * @throws RuntimeException when the mapping cannot convert the source, or MongoDB fails
     */
    public Outcome copy(Object id, long versionIfGone, Instant now) {
        if (store.isSameCollection()) {
            return copyWithinDocument(id);
        }
        String versionField = store.versionField();
        MongoCollection<Document> source = store.shape(from).collection();
        MongoCollection<Document> target = store.shape(to).collection();
        Document read = source.find(Filters.eq("_id", id)).first();
        long version;
        boolean marked;
        Document copy;
        if (read == null) {
            version = versionIfGone;
            marked = false;
            copy = Bookkeeping.tombstone(id, versionField, version, Date.from(now));
        }
        else {
            version = Bookkeeping.version(read, versionField);
            marked = Bookkeeping.isNewOnly(read);
            try {
                copy = copyOf(read, now, marked);
            }
            catch (RuntimeException ex) {
                throw unconvertible(ex);
            }
        }
        try {
            target.replaceOne(repairGuard(id, version, marked, read == null), copy, new ReplaceOptions().upsert(true));
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw ex;
            }
            Document stored = target.find(Filters.eq("_id", id))
                    .projection(Projections.include(versionField, Bookkeeping.NEW_ONLY)).first();
            if (holdsAtLeast(stored == null ? null : Bookkeeping.version(stored, versionField), version)) {
                return Outcome.TARGET_CURRENT;
            }
            if (stored != null && Bookkeeping.isNewOnly(stored) && !marked) {
                if (read == null) {
                    return Outcome.TARGET_CURRENT; // the new shape decides for it; nothing to bring from nothing
                }
                throw new IllegalStateException("the " + to.tag() + " shape holds an older write of the entity marked "
                        + Bookkeeping.NEW_ONLY + " (written on the new shape's behalf) and the " + from.tag()
                        + " shape holds it unmarked; a repair never removes that mark: a reverse copy run while every "
                        + "instance writes both shapes hands the entity back, then the repair finds it current", ex);
            }
            throw new IllegalStateException("the " + to.tag() + " shape refused the document: duplicate key on a "
                    + "unique index other than _id (" + ex.getError().getMessage() + "); fix the data or the index",
                    ex);
        }
        if (read == null || Bookkeeping.isTombstone(read)) {
            return Outcome.COPIED;
        }
        Document again = source.find(Filters.eq("_id", id))
                .projection(Projections.include(versionField, Bookkeeping.DELETED, Bookkeeping.NEW_ONLY)).first();
        // the tombstone is as marked as the source's (a delete the new shape decided), and never drops the copy's mark
        boolean markTombstone = again != null ? Bookkeeping.isNewOnly(again) : marked;
        return withdrawIfDeleted(id, version, again, now, markTombstone) ? Outcome.DELETED_MEANWHILE : Outcome.COPIED;
    }

    private Outcome copyWithinDocument(Object id) {
        MongoCollection<Document> collection = store.shape(from).collection();
        Document read = collection.find(Filters.eq("_id", id)).first();
        if (read == null || Bookkeeping.isTombstone(read) || !Bookkeeping.holdsShape(read, from)) {
            return Outcome.NOTHING_TO_COPY;
        }
        long version = Bookkeeping.version(read, store.versionField());
        Bson update;
        try {
            update = withinDocumentUpdate(read);
        }
        catch (RuntimeException ex) {
            throw unconvertible(ex);
        }
        long matched = collection.updateOne(withinDocumentFilter(id, version), update).getMatchedCount();
        return matched > 0 ? Outcome.COPIED : Outcome.CHANGED;
    }

    private IllegalStateException unconvertible(RuntimeException ex) {
        String message = ex.getMessage();
        return new IllegalStateException("the mapping cannot convert the " + from.tag() + " document to the "
                + to.tag() + " shape: " + ex.getClass().getSimpleName() + (message == null ? "" : ": " + message)
                + "; fix the document or the mapping", ex);
    }
}
