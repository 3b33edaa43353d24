package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.codecs.configuration.CodecRegistry;

import com.mongodb.client.MongoCollection;

import io.dualwrite.Shape;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.FieldComparison;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.Versions;

/**
 * Compares a batch of one shape with the other shape, id by id, without writing anything. A reverse verification
 * ({@link JobKind#REVERSE_VERIFY}) compares the new shape against the old one instead (see {@link #compareBack}).
 * <ul>
 * <li>Scanning the old shape: a live old document must have a live new document with the same version whose fields
 * are what the mapping makes of the old document. Absent or deleted in new: <em>missing</em>; an older write count
 * in new: <em>stale</em>; another write at the same or a higher count, or other field values: <em>different</em>.
 * A deleted old document whose new document is live: <em>extra</em>. Old documents the mapping cannot convert:
 * <em>unconvertible</em>.</li>
 * <li>Scanning the new shape (two collections): a live new document with no old document at all: <em>extra</em>.</li>
 * <li>New-shape documents written by instances in {@code READ_NEW_WRITE_NEW} (the new shape decides for them) are
 * not compared.</li>
 * </ul>
 * Writers keep working while the verifier runs, and a write reaches the two shapes one after the other; so every id
 * found different is read again from both shapes once, and reported only if it is still different.
 */
final class VerifyProcessor implements BatchProcessor {

    private final PhasedStore<?> store;

    private final CodecRegistry codecs;

    private final boolean reverse;

    VerifyProcessor(PhasedStore<?> store) {
        this(store, JobKind.VERIFY);
    }

    /** @param kind {@link JobKind#VERIFY} (old against new) or {@link JobKind#REVERSE_VERIFY} (new against old) */
    VerifyProcessor(PhasedStore<?> store, JobKind kind) {
        if (!kind.isVerification()) {
            throw new IllegalArgumentException("not a verification: " + kind.tag());
        }
        this.store = store;
        this.codecs = store.shape(Shape.OLD).collection().getCodecRegistry();
        this.reverse = kind.isReverse();
    }

    @Override
    public Result process(Shape side, List<Document> batch, int examplesWanted) {
        Result result = new Result();
        result.add(Counts.PROCESSED, batch.size());
        List<Object> ids = new ArrayList<>(batch.size());
        for (Document document : batch) {
            ids.add(document.get("_id"));
        }
        Map<Object, Difference> found = compare(side, batch, ids);
        if (!found.isEmpty()) {
            // read the suspects again from both shapes: a write in flight between the two shapes settles meanwhile
            List<Object> suspects = new ArrayList<>(found.keySet());
            List<Document> again = new ArrayList<>(read(store.shape(side).collection(), suspects).values());
            found = compare(side, again, suspects);
        }
        for (Difference difference : found.values()) {
            result.add(difference.kind(), 1);
            if (result.examples().size() < examplesWanted && !difference.kind().equals(Counts.NEW_ONLY)) {
                result.example(difference);
            }
        }
        return result;
    }

    private Map<Object, Difference> compare(Shape side, List<Document> batch, List<Object> ids) {
        if (store.isSameCollection()) {
            return reverse ? compareWithinDocumentsBack(batch) : compareWithinDocuments(batch);
        }
        Shape other = side == Shape.OLD ? Shape.NEW : Shape.OLD;
        Map<Object, Document> counterparts = read(store.shape(other).collection(), ids);
        Map<Object, Difference> differences = new LinkedHashMap<>();
        for (Document document : batch) {
            Object id = document.get("_id");
            Difference difference;
            if (reverse) {
                difference = side == Shape.NEW ? compareBack(document, counterparts.get(id))
                        : compareOldWithoutNew(document, counterparts.get(id));
            }
            else {
                difference = side == Shape.OLD ? compareOld(document, counterparts.get(id))
                        : compareNew(document, counterparts.get(id));
            }
            if (difference != null) {
                differences.put(id, difference);
            }
        }
        return differences;
    }

    private Difference compareOld(Document old, Document current) {
        if (current != null && Bookkeeping.isNewOnly(current)) {
            return null;
        }
        return compareWrite(old, Shape.OLD, current);
    }

    /**
     * A document of the scanned shape against its counterpart in the other shape, either way: a deleted one with a
     * live counterpart is <em>extra</em>; a live one must have a counterpart holding exactly its write (absent or
     * deleted is <em>missing</em>, an older write count <em>stale</em>, another write or other content
     * <em>different</em>), or its mapping fails (<em>unconvertible</em>).
     */
    private Difference compareWrite(Document source, Shape from, Document target) {
        Shape to = from.other();
        Object id = source.get("_id");
        String versionField = store.versionField();
        long sourceVersion = Bookkeeping.version(source, versionField);
        if (Bookkeeping.isTombstone(source)) {
            if (target != null && !Bookkeeping.isTombstone(target)) {
                return new Difference(id, Counts.EXTRA, "deleted in the " + from.tag() + " shape (version "
                        + sourceVersion + ") but live in the " + to.tag() + " shape (version "
                        + Bookkeeping.version(target, versionField) + ")", List.of());
            }
            return null;
        }
        Document expected;
        try {
            expected = store.convert(source, from, to);
        }
        catch (RuntimeException ex) {
            return new Difference(id, Counts.UNCONVERTIBLE, "the mapping cannot convert the " + from.tag()
                    + " document: " + ex, List.of());
        }
        if (target == null || Bookkeeping.isTombstone(target)) {
            return new Difference(id, Counts.MISSING, target == null ? "absent from the " + to.tag() + " shape"
                    : "deleted in the " + to.tag() + " shape but live in the " + from.tag() + " shape (version "
                            + sourceVersion + ")", List.of());
        }
        long targetVersion = Bookkeeping.version(target, versionField);
        if (Versions.counter(targetVersion) < Versions.counter(sourceVersion)) {
            return new Difference(id, Counts.STALE, "the " + to.tag() + " shape holds write "
                    + Versions.counter(targetVersion) + ", the " + from.tag() + " shape write "
                    + Versions.counter(sourceVersion), fieldDifferences(expected, target));
        }
        if (targetVersion != sourceVersion) {
            return new Difference(id, Counts.DIFFERENT, "different writes: version " + sourceVersion + " in the "
                    + from.tag() + " shape, " + targetVersion + " in the " + to.tag() + " shape",
                    fieldDifferences(expected, target));
        }
        List<Difference.FieldDifference> fields = fieldDifferences(expected, target);
        if (!fields.isEmpty()) {
            return new Difference(id, Counts.DIFFERENT, fields.size() + " field(s) differ at version " + sourceVersion,
                    fields);
        }
        return null;
    }

    private Difference compareNew(Document current, Document old) {
        if (old != null || Bookkeeping.isTombstone(current) || Bookkeeping.isNewOnly(current)) {
            return null; // pairs with an old document were compared from the old side
        }
        return new Difference(current.get("_id"), Counts.EXTRA, "live in the new shape (version "
                + Bookkeeping.version(current, store.versionField()) + ") but absent from the old shape", List.of());
    }

    // ---------------------------------------------------------------- reverse: new against old

    /**
     * A new document against the old one. New decides for it (marked in either shape): counted as
     * {@link Counts#NEW_ONLY}, not a difference, as long as old holds the same write with the same content or an older
     * one (writes in {@code READ_NEW_WRITE_NEW} reach new only, a reverse copy brings them over); a later write in
     * old, or the same write with other content, is a difference. Otherwise old must hold exactly this write: absent
     * or deleted in old is <em>missing</em>, an older write count <em>stale</em>, another write or other content
     * <em>different</em>; a deleted new document with a live old one is <em>extra</em>.
     */
    private Difference compareBack(Document current, Document old) {
        boolean newDecides = Bookkeeping.isNewOnly(current) || (old != null && Bookkeeping.isNewOnly(old));
        if (newDecides) {
            long newVersion = Bookkeeping.version(current, store.versionField());
            Difference content = old == null ? null : sameWriteBack(current, old, newVersion);
            if (content != null) {
                return content;
            }
            return new Difference(current.get("_id"), Counts.NEW_ONLY, "the new shape alone decides for it (written "
                    + "in READ_NEW_WRITE_NEW, version " + newVersion + "); a reverse copy while every instance writes "
                    + "both shapes hands it back to the old shape", List.of());
        }
        return compareWrite(current, Shape.NEW, old);
    }

    /**
     * For an entity new decides for: a difference when old holds a later write count, or the same write with other
     * content (or deleted in one shape only); {@code null} when old holds an older write or the same one.
     */
    private Difference sameWriteBack(Document current, Document old, long newVersion) {
        Object id = current.get("_id");
        long oldVersion = Bookkeeping.version(old, store.versionField());
        if (Versions.counter(oldVersion) > Versions.counter(newVersion)) {
            return new Difference(id, Counts.DIFFERENT, "the old shape holds write " + Versions.counter(oldVersion)
                    + ", later than the new shape's " + Versions.counter(newVersion) + ", which decides", List.of());
        }
        if (oldVersion != newVersion) {
            return null;
        }
        if (Bookkeeping.isTombstone(current) != Bookkeeping.isTombstone(old)) {
            return new Difference(id, Counts.DIFFERENT, "version " + newVersion + " is deleted in one shape only",
                    List.of());
        }
        if (Bookkeeping.isTombstone(current)) {
            return null;
        }
        try {
            List<Difference.FieldDifference> fields = fieldDifferences(store.convert(current, Shape.NEW, Shape.OLD),
                    old);
            return fields.isEmpty() ? null : new Difference(id, Counts.DIFFERENT, fields.size() + " field(s) differ "
                    + "at version " + newVersion, fields);
        }
        catch (RuntimeException ex) {
            return new Difference(id, Counts.UNCONVERTIBLE, "the mapping cannot convert the new document: " + ex,
                    List.of());
        }
    }

    /** The old side of a reverse verification: a live old document the new shape has no document for is extra. */
    private Difference compareOldWithoutNew(Document old, Document current) {
        if (current != null || Bookkeeping.isTombstone(old)) {
            return null; // pairs with a new document were compared from the new side
        }
        return new Difference(old.get("_id"), Counts.EXTRA, "live in the old shape (version "
                + Bookkeeping.version(old, store.versionField()) + ") but absent from the new shape", List.of());
    }

    /**
     * One collection, new against old: a document holding only the new shape's fields was written in
     * {@code READ_NEW_WRITE_NEW} ({@link Counts#NEW_ONLY}); one holding both must have old fields that are what the
     * mapping makes of the new ones; a live one holding only old fields is extra.
     */
    private Map<Object, Difference> compareWithinDocumentsBack(List<Document> batch) {
        Map<Object, Difference> differences = new LinkedHashMap<>();
        for (Document document : batch) {
            Object id = document.get("_id");
            if (Bookkeeping.isTombstone(document)) {
                continue;
            }
            boolean holdsOld = Bookkeeping.holdsShape(document, Shape.OLD);
            if (!Bookkeeping.holdsShape(document, Shape.NEW)) {
                if (holdsOld) {
                    differences.put(id, new Difference(id, Counts.EXTRA, "the document holds the old shape's fields "
                            + "only", List.of()));
                }
                continue;
            }
            Document expected;
            try {
                expected = store.convert(document, Shape.NEW, Shape.OLD);
            }
            catch (RuntimeException ex) {
                differences.put(id, new Difference(id, Counts.UNCONVERTIBLE,
                        "the mapping cannot convert the new fields: " + ex, List.of()));
                continue;
            }
            if (!holdsOld) {
                differences.put(id, new Difference(id, Counts.NEW_ONLY, "the document holds the new shape's fields "
                        + "only (written in READ_NEW_WRITE_NEW); a reverse copy adds the old ones", List.of()));
                continue;
            }
            Difference different = storedFields(document, expected, Shape.OLD);
            if (different != null) {
                differences.put(id, different);
            }
        }
        return differences;
    }

    // ---------------------------------------------------------------- one collection, old against new

    private Map<Object, Difference> compareWithinDocuments(List<Document> batch) {
        Map<Object, Difference> differences = new LinkedHashMap<>();
        for (Document document : batch) {
            Object id = document.get("_id");
            if (Bookkeeping.isTombstone(document) || !Bookkeeping.holdsShape(document, Shape.OLD)) {
                continue;
            }
            Document expected;
            try {
                expected = store.convert(document, Shape.OLD, Shape.NEW);
            }
            catch (RuntimeException ex) {
                differences.put(id, new Difference(id, Counts.UNCONVERTIBLE,
                        "the mapping cannot convert the old fields: " + ex, List.of()));
                continue;
            }
            if (!Bookkeeping.holdsShape(document, Shape.NEW)) {
                differences.put(id, new Difference(id, Counts.MISSING, "the document has no new-shape fields",
                        List.of()));
                continue;
            }
            Difference different = storedFields(document, expected, Shape.NEW);
            if (different != null) {
                differences.put(id, different);
            }
        }
        return differences;
    }

    /**
     * One collection, either way: the {@code target} shape's fields of {@code document} against what the mapping makes
     * of its other fields ({@code expected}); {@code null} when they are the same.
     */
    private Difference storedFields(Document document, Document expected, Shape target) {
        Document actual = new Document();
        expected.keySet().forEach(field -> actual.put(field, document.get(field)));
        List<Difference.FieldDifference> fields = fieldDifferences(expected, actual);
        if (fields.isEmpty()) {
            return null;
        }
        return new Difference(document.get("_id"), Counts.DIFFERENT, fields.size() + " " + target.tag()
                + "-shape field(s) differ from the " + target.other().tag() + " fields", fields);
    }

    /** Field-level differences between what the mapping gives and what is stored, ignoring bookkeeping. */
    private List<Difference.FieldDifference> fieldDifferences(Document expected, Document actual) {
        List<Difference.FieldDifference> differences = new ArrayList<>();
        FieldComparison.compare(normalize(expected), normalize(actual), "", (field, want, have) -> differences
                .add(new Difference.FieldDifference(field, display(want), display(have))));
        return differences;
    }

    private BsonDocument normalize(Document document) {
        Document copy = new Document(document);
        copy.remove("_id");
        copy.remove(store.versionField());
        copy.keySet().removeIf(Bookkeeping::isBookkeeping);
        copy.values().removeIf(Objects::isNull);
        return copy.toBsonDocument(BsonDocument.class, codecs);
    }

    private static Object display(BsonValue value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.isString() ? value.asString().getValue() : value.toString();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private Map<Object, Document> read(MongoCollection<Document> collection, List<Object> ids) {
        Map<Object, Document> documents = new HashMap<>();
        for (Document document : collection.find(CopyProcessor.idIn(ids))) {
            documents.put(document.get("_id"), document);
        }
        return documents;
    }
}
