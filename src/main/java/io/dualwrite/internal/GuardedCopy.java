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
 * The copier's version guard for one entity, copied from one shape ({@code from}) to the other ({@code to}). The
 * copier applies these rules to every document of a batch (in bulk); the repair job applies them to one entity with
 * {@link #copy}:
 * <ul>
 * <li>two collections: the target is replaced (or the document created) only where it holds an older write count
 * than the source document read, or no version at all ({@link #guard}); an equal or newer write, or a tombstone, makes
 * the upsert collide on {@code _id} and stays. A source tombstone is copied as a tombstone. After a live copy landed,
 * the source is read again: deleted meanwhile (removed, or a tombstone), the copy is withdrawn
 * ({@link #withdrawIfDeleted}), so a copy never brings a deleted entity back;</li>
 * <li>one collection: the other shape's fields are added to the document only while it still has exactly the version
 * read ({@link #withinDocumentFilter}, {@link #withinDocumentUpdate}), so any concurrent write wins.</li>
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
     * version (never bookkeeping fields such as {@code _dwNewOnly}).
     *
     * @throws RuntimeException when the mapping cannot convert the document
     */
    public Document copyOf(Document source, Instant now) {
        Object id = source.get("_id");
        long version = Bookkeeping.version(source, store.versionField());
        if (Bookkeeping.isTombstone(source)) {
            Date at = source.getDate(Bookkeeping.DELETED_AT);
            return Bookkeeping.tombstone(id, store.versionField(), version, at != null ? at : Date.from(now));
        }
        Document copy = new Document("_id", id);
        copy.putAll(store.convert(source, from, to));
        copy.put(store.versionField(), version);
        return copy;
    }

    /** {@code {_id: id}} holding an older write count than {@code version}, or no version: where a copy may land. */
    public Bson guard(Object id, long version) {
        return store.olderWriteThan(id, version);
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
     * The delete re-check after a live copy at version {@code copied} reached the target. {@code current} is the
     * source document of the id as read again (its version and tombstone mark suffice), {@code null} when it is gone.
     * If it is gone or a tombstone, the copy is replaced by a tombstone (the source tombstone's version, or one above
     * the copy), filtered on exactly the copied version so that a later write is never touched; should the target
     * refuse the tombstone (a unique index on a field tombstones lack), the copy itself is removed.
     *
     * @return whether the copy was withdrawn
     */
    public boolean withdrawIfDeleted(Object id, long copied, Document current, Instant now) {
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
        try {
            return target.replaceOne(exactlyTheCopy,
                    Bookkeeping.tombstone(id, versionField, tombstoneVersion, Date.from(now))).getMatchedCount() > 0;
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

    // ---------------------------------------------------------------- one entity, end to end

    /** What {@link #copy} did. */
    public enum Outcome {

        /** The target now holds the source's current write (a live document or a tombstone). */
        COPIED,

        /** The target already held the source's write or a later one (or a write the new shape decides): untouched. */
        TARGET_CURRENT,

        /** The copy landed, but the source was deleted meanwhile: the copy was withdrawn (a tombstone in its place). */
        DELETED_MEANWHILE,

        /** One collection: the document is gone, deleted, or does not hold the source shape; nothing to copy. */
        NOTHING_TO_COPY,

        /** One collection: the document changed between the read and the write; read and try again. */
        CHANGED
    }

    /**
     * Re-establishes the target shape of one entity from the source shape as it is now, under the guard. Two
     * collections: the source document is read; a live one is copied (then re-checked, see
     * {@link #withdrawIfDeleted}), a tombstone is copied as a tombstone, and an absent one becomes a tombstone at
     * {@code versionIfGone} (a delete that removed the document); in every case only over an older write in the
     * target, so a newer write is never overwritten and a deleted entity never comes back. A live target document the
     * new shape decides for ({@code _dwNewOnly}) is never replaced by a tombstone for a source that holds nothing.
     * One collection: the source shape's fields of the document are mapped onto the target shape's, at exactly the
     * version read.
     *
     * @param id the {@code _id}
     * @param versionIfGone the version of the tombstone written when the source holds nothing for the id
     * @param now the time written into a new tombstone
     * @throws IllegalStateException when the target refuses the document on a unique index other than {@code _id}
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
        Document copy;
        if (read == null) {
            Document stored = target.find(Filters.eq("_id", id))
                    .projection(Projections.include(versionField, Bookkeeping.NEW_ONLY)).first();
            if (stored != null && Bookkeeping.isNewOnly(stored)) {
                return Outcome.TARGET_CURRENT;
            }
            version = versionIfGone;
            copy = Bookkeeping.tombstone(id, versionField, version, Date.from(now));
        }
        else {
            version = Bookkeeping.version(read, versionField);
            try {
                copy = copyOf(read, now);
            }
            catch (RuntimeException ex) {
                throw unconvertible(ex);
            }
        }
        try {
            target.replaceOne(guard(id, version), copy, new ReplaceOptions().upsert(true));
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw ex;
            }
            Document stored = target.find(Filters.eq("_id", id)).projection(Projections.include(versionField))
                    .first();
            if (holdsAtLeast(stored == null ? null : Bookkeeping.version(stored, versionField), version)) {
                return Outcome.TARGET_CURRENT;
            }
            throw new IllegalStateException("the " + to.tag() + " shape refused the document: duplicate key on a "
                    + "unique index other than _id (" + ex.getError().getMessage() + "); fix the data or the index",
                    ex);
        }
        if (read == null || Bookkeeping.isTombstone(read)) {
            return Outcome.COPIED;
        }
        Document again = source.find(Filters.eq("_id", id))
                .projection(Projections.include(versionField, Bookkeeping.DELETED)).first();
        return withdrawIfDeleted(id, version, again, now) ? Outcome.DELETED_MEANWHILE : Outcome.COPIED;
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
