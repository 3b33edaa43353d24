package io.dualwrite.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataRetrievalFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.dao.support.PersistenceExceptionTranslator;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.UpdateResult;

import io.dualwrite.Migration;
import io.dualwrite.Phase;
import io.dualwrite.SecondWriteFailure;
import io.dualwrite.Shape;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.spi.SecondWriteFailureHandler;

/**
 * Reads and writes one migration's entities in whichever shapes the current phase says. This is where the write
 * protocol lives:
 * <ol>
 * <li>The phase's source of truth (its read shape) is written first with a compare-and-set on the version the caller
 * read: {@code {_id, version: v}} becomes version {@code v + 1}; no match means the entity changed or was deleted since
 * it was read, and the caller gets {@link OptimisticLockingFailureException}. A new entity is inserted at version 1
 * (or just above the tombstone of a deleted entity with the same id).</li>
 * <li>In a write-both phase the other shape is then written with the guard the copier uses: the document is replaced
 * (or inserted) only if the stored version is older. A stored version that is equal or newer is left alone; if it is
 * equal but the content differs, a writer in the adjacent phase wrote the same version at the same moment and the
 * difference is reported as a {@link SecondWriteFailure.Kind#CONFLICT}. Any other failure of this second write is
 * reported as {@link SecondWriteFailure.Kind#ERROR}; the caller's write stands (it is on the source of truth).</li>
 * <li>In a write-both phase a delete leaves a tombstone (id, version + 1, deleted marker) in both shapes, so a copier
 * that read the document just before cannot bring it back; reads never return tombstones. In a single-shape phase a
 * delete removes the document.</li>
 * </ol>
 * When both shapes live in one collection, one document carries both shapes' fields and every write is a single
 * atomic replace of that document, so both shapes always change together.
 */
public final class PhasedStore<T> {

    private static final Logger log = LoggerFactory.getLogger(PhasedStore.class);

    private static final int DELETE_ATTEMPTS = 10;

    private final Migration<T> migration;

    private final PhaseSource phaseSource;

    private final EntityAccess<T> access;

    private final ShapeAccess<T> oldShape;

    private final ShapeAccess<T> newShape;

    private final SecondWriteFailureHandler failureHandler;

    private final PersistenceExceptionTranslator translator;

    private final Clock clock;

    private final String versionField;

    private final boolean sameCollection;

    PhasedStore(Migration<T> migration, PhaseSource phaseSource, EntityAccess<T> access, ShapeAccess<T> oldShape,
            ShapeAccess<T> newShape, SecondWriteFailureHandler failureHandler,
            PersistenceExceptionTranslator translator, Clock clock) {
        this.migration = migration;
        this.phaseSource = phaseSource;
        this.access = access;
        this.oldShape = oldShape;
        this.newShape = newShape;
        this.failureHandler = failureHandler;
        this.translator = translator;
        this.clock = clock;
        this.versionField = migration.versionField();
        this.sameCollection = migration.isSameCollection();
    }

    /** The migration this store serves. */
    public Migration<T> migration() {
        return migration;
    }

    /** The phase this instance acts on right now (from memory). */
    public Phase phase() {
        return phaseSource.currentPhase(migration.id());
    }

    /** Runtime access to one shape. */
    public ShapeAccess<T> shape(Shape shape) {
        return shape == Shape.OLD ? oldShape : newShape;
    }

    /** The domain type's id property name. */
    public String idPropertyName() {
        return access.idPropertyName();
    }

    /** The {@code _id} for a domain id. */
    public Object storedId(Object domainId) {
        return access.storedId(domainId);
    }

    // ---------------------------------------------------------------- reads

    /** The entity with this id in the current phase's read shape, never a tombstone. */
    public Optional<T> findById(Object id) {
        Objects.requireNonNull(id, "The given id must not be null");
        ShapeAccess<T> shape = shape(phase().readShape());
        Document document = translate(() -> shape.collection().find(Filters.eq("_id", access.storedId(id))).first());
        return Optional.ofNullable(document).filter(d -> isLive(d, shape.shape())).map(d -> toEntity(shape, d));
    }

    /** Whether a live entity with this id exists in the current read shape. */
    public boolean existsById(Object id) {
        return findById(id).isPresent();
    }

    /**
     * Runs a query on the current read shape; {@code filterFor} builds the filter in that shape's field names.
     * Tombstones and documents not holding the shape are excluded.
     */
    public List<T> find(QuerySpec spec) {
        ShapeAccess<T> shape = shape(phase().readShape());
        return find(shape, spec);
    }

    /** Runs a query on the given shape. */
    public List<T> find(ShapeAccess<T> shape, QuerySpec spec) {
        Bson filter = Filters.and(spec.filter().apply(shape), liveFilter(shape.shape()));
        return translate(() -> {
            FindIterable<Document> found = shape.collection().find(filter);
            Bson sort = spec.sort().apply(shape);
            if (sort != null) {
                found.sort(sort);
            }
            if (spec.skip() > 0) {
                found.skip((int) Math.min(Integer.MAX_VALUE, spec.skip()));
            }
            if (spec.limit() > 0) {
                found.limit(spec.limit());
            }
            List<T> result = new ArrayList<>();
            for (Document document : found) {
                result.add(toEntity(shape, document));
            }
            return result;
        });
    }

    /** Counts live entities matching the filter in the current read shape. */
    public long count(QuerySpec spec) {
        ShapeAccess<T> shape = shape(phase().readShape());
        Bson filter = Filters.and(spec.filter().apply(shape), liveFilter(shape.shape()));
        return translate(() -> shape.collection().countDocuments(filter));
    }

    /** The filter that keeps only live documents holding the shape. */
    public Bson liveFilter(Shape shape) {
        Bson notDeleted = Filters.exists(Bookkeeping.DELETED, false);
        if (!sameCollection) {
            return notDeleted;
        }
        if (shape == Shape.NEW) {
            return Filters.and(notDeleted, Filters.eq(Bookkeeping.SHAPES, Shape.NEW.tag()));
        }
        return Filters.and(notDeleted, Filters.or(Filters.exists(Bookkeeping.SHAPES, false),
                Filters.eq(Bookkeeping.SHAPES, Shape.OLD.tag())));
    }

    private boolean isLive(Document document, Shape shape) {
        return !Bookkeeping.isTombstone(document) && (!sameCollection || Bookkeeping.holdsShape(document, shape));
    }

    private T toEntity(ShapeAccess<T> shape, Document document) {
        T entity;
        try {
            entity = shape.mapping().fromDocument(document);
        }
        catch (RuntimeException ex) {
            throw new DataRetrievalFailureException("Cannot read document _id=" + document.get("_id") + " of "
                    + shape.describe() + ": " + ex.getMessage() + "; fix the document or the mapping", ex);
        }
        return access.withIdAndVersion(entity, document.get("_id"), Bookkeeping.version(document, versionField));
    }

    // ---------------------------------------------------------------- writes

    /**
     * Saves the entity in the current phase's shapes.
     *
     * @return the saved entity with its id and new version (a new instance for immutable types)
     * @throws OptimisticLockingFailureException when the entity's version is stale
     * @throws DuplicateKeyException when a new entity's id is taken by a live entity
     */
    public T save(T entity) {
        Objects.requireNonNull(entity, "Entity must not be null");
        Phase phase = phase();
        Object domainId = access.id(entity);
        if (domainId == null) {
            domainId = access.generateId();
        }
        Object id = access.storedId(domainId);
        Long expected = access.version(entity);
        long version = sameCollection ? writeSameCollection(phase, entity, id, expected)
                : writeTwoCollections(phase, entity, id, expected);
        return access.withIdAndVersion(entity, id, version);
    }

    private long writeTwoCollections(Phase phase, T entity, Object id, Long expected) {
        ShapeAccess<T> primary = shape(phase.readShape());
        Document document = compose(primary, entity, id);
        long version = writePrimary(primary.collection(), document, id, expected);
        if (phase.writesBoth()) {
            ShapeAccess<T> secondary = shape(phase.secondaryShape());
            Document secondaryDocument = compose(secondary, entity, id);
            secondaryDocument.put(versionField, version);
            writeSecondary(secondary, secondaryDocument, id, version);
        }
        return version;
    }

    private long writeSameCollection(Phase phase, T entity, Object id, Long expected) {
        Document document = new Document("_id", id);
        List<String> shapes = new ArrayList<>(2);
        for (Shape shape : Shape.values()) {
            if (!phase.writes(shape)) {
                continue;
            }
            ShapeAccess<T> access = shape(shape);
            Document fields = mapped(access, entity);
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                Object previous = document.putIfAbsent(field.getKey(), field.getValue());
                if (previous != null && !Objects.equals(previous, field.getValue()) && !"_id".equals(field.getKey())) {
                    throw new IllegalStateException("Migration '" + migration.id() + "' keeps both shapes in "
                            + "collection '" + oldShape.collection().getNamespace().getCollectionName()
                            + "' but both write field '" + field.getKey() + "' with different values ("
                            + previous + " / " + field.getValue() + "); give the new shape its own field name");
                }
            }
            shapes.add(shape.tag());
        }
        document.put(Bookkeeping.SHAPES, shapes);
        return writePrimary(oldShape.collection(), document, id, expected);
    }

    private Document compose(ShapeAccess<T> shape, T entity, Object id) {
        Document document = new Document("_id", id);
        document.putAll(mapped(shape, entity));
        return document;
    }

    private Document mapped(ShapeAccess<T> shape, T entity) {
        Document fields = shape.mapping().toDocument(entity);
        fields.remove("_id");
        fields.remove(versionField);
        fields.keySet().removeIf(key -> key.startsWith("_dw"));
        return fields;
    }

    /** Compare-and-set on the source of truth; returns the version written. */
    private long writePrimary(MongoCollection<Document> collection, Document document, Object id, Long expected) {
        if (expected == null) {
            document.put(versionField, 1L);
            try {
                translate(() -> collection.insertOne(document));
                return 1L;
            }
            catch (DuplicateKeyException ex) {
                return replaceTombstone(collection, document, id, ex);
            }
        }
        long version = expected + 1;
        document.put(versionField, version);
        UpdateResult result = translate(() -> collection.replaceOne(versionIs(id, expected), document));
        if (result.getMatchedCount() == 0) {
            throw staleVersion(id, expected);
        }
        return version;
    }

    /** A new entity reusing the id of a deleted one continues after the tombstone's version. */
    private long replaceTombstone(MongoCollection<Document> collection, Document document, Object id,
            DuplicateKeyException duplicate) {
        Document existing = translate(() -> collection.find(Filters.eq("_id", id)).first());
        if (existing == null || !Bookkeeping.isTombstone(existing)) {
            throw duplicate;
        }
        long tombstoneVersion = Bookkeeping.version(existing, versionField);
        long version = tombstoneVersion + 1;
        document.put(versionField, version);
        UpdateResult result = translate(() -> collection.replaceOne(
                Filters.and(Filters.eq("_id", id), Filters.eq(versionField, tombstoneVersion),
                        Filters.eq(Bookkeeping.DELETED, true)), document));
        if (result.getMatchedCount() == 0) {
            throw new OptimisticLockingFailureException("Cannot create " + access.type().getSimpleName() + " id="
                    + id + ": another writer re-created it at the same moment; reload it and try again");
        }
        return version;
    }

    /** The guarded write of the other shape: applies only over an older version. Never throws. */
    private void writeSecondary(ShapeAccess<T> secondary, Document document, Object id, long version) {
        try {
            secondary.collection().replaceOne(olderThan(id, version), document, new ReplaceOptions().upsert(true));
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                checkForConflict(secondary, document, id, version);
            }
            else {
                reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
            }
        }
        catch (RuntimeException ex) {
            reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
        }
    }

    /** The other shape already holds this version or a newer one; same version with other content is a conflict. */
    private void checkForConflict(ShapeAccess<T> secondary, Document written, Object id, long version) {
        try {
            Document stored = secondary.collection().find(Filters.eq("_id", id)).first();
            long storedVersion = stored == null ? -1 : Bookkeeping.version(stored, versionField);
            if (storedVersion < version) {
                // not the version guard: another unique index refused the document
                reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR,
                        new IllegalStateException("duplicate key in the " + secondary.shape().tag()
                                + " shape on a field other than _id (a unique index refused the document)"));
            }
            else if (storedVersion == version && !stored.equals(written)) {
                reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.CONFLICT,
                        new IllegalStateException("the " + secondary.shape().tag()
                                + " shape holds different content at the same version"));
            }
        }
        catch (RuntimeException ex) {
            reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
        }
    }

    private void reportSecondWriteFailure(Shape shape, Object id, long version, SecondWriteFailure.Kind kind,
            Exception cause) {
        SecondWriteFailure failure = new SecondWriteFailure(migration.id(), id, shape, version, kind,
                String.valueOf(cause.getMessage()), clock.instant());
        try {
            failureHandler.onSecondWriteFailure(failure);
        }
        catch (RuntimeException handlerFailure) {
            log.error("Second write of migration '{}' failed for _id={} and reporting it failed too: {}",
                    migration.id(), id, handlerFailure.toString(), cause);
        }
    }

    // ---------------------------------------------------------------- deletes

    /** Deletes by id, whatever its version; a missing id is ignored. */
    public void deleteById(Object id) {
        Objects.requireNonNull(id, "The given id must not be null");
        delete(access.storedId(id), null);
    }

    /**
     * Deletes the entity if its version is current.
     *
     * @throws OptimisticLockingFailureException when it was updated or deleted since it was read
     */
    public void delete(T entity) {
        Objects.requireNonNull(entity, "Entity must not be null");
        Object domainId = access.id(entity);
        if (domainId == null) {
            return;
        }
        Long expected = access.version(entity);
        delete(access.storedId(domainId), expected == null ? Long.valueOf(0L) : expected);
    }

    private void delete(Object id, Long expected) {
        Phase phase = phase();
        ShapeAccess<T> primary = shape(phase.readShape());
        if (!phase.writesBoth()) {
            Bson filter = expected == null ? Filters.eq("_id", id) : versionIs(id, expected);
            DeleteResult result = translate(() -> primary.collection().deleteOne(filter));
            if (expected != null && result.getDeletedCount() == 0) {
                throw staleVersion(id, expected);
            }
            return;
        }
        Date now = Date.from(clock.instant());
        for (int attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
            Document current = translate(() -> primary.collection().find(Filters.eq("_id", id)).first());
            if (current == null || !isLive(current, primary.shape())) {
                if (expected != null) {
                    throw staleVersion(id, expected);
                }
                return;
            }
            long currentVersion = Bookkeeping.version(current, versionField);
            if (expected != null && currentVersion != expected) {
                throw staleVersion(id, expected);
            }
            long version = currentVersion + 1;
            Document tombstone = Bookkeeping.tombstone(id, versionField, version, now);
            UpdateResult result = translate(() -> primary.collection().replaceOne(versionIs(id, currentVersion),
                    tombstone));
            if (result.getMatchedCount() == 1) {
                if (!sameCollection) {
                    ShapeAccess<T> secondary = shape(phase.secondaryShape());
                    writeSecondary(secondary, Bookkeeping.tombstone(id, versionField, version, now), id, version);
                }
                return;
            }
            if (expected != null) {
                throw staleVersion(id, expected);
            }
        }
        throw new OptimisticLockingFailureException("Cannot delete " + access.type().getSimpleName() + " id=" + id
                + ": it was updated concurrently " + DELETE_ATTEMPTS + " times in a row; try again");
    }

    // ---------------------------------------------------------------- helpers

    /** {@code {_id: id, version: v}}; version 0 also matches a document written before the migration (no version). */
    private Bson versionIs(Object id, long version) {
        Bson versionFilter = version == 0 ? Filters.in(versionField, 0L, null) : Filters.eq(versionField, version);
        return Filters.and(Filters.eq("_id", id), versionFilter);
    }

    /** {@code {_id: id, version < v}}, a document without version counting as version 0. */
    private Bson olderThan(Object id, long version) {
        return Filters.and(Filters.eq("_id", id),
                Filters.or(Filters.lt(versionField, version), Filters.exists(versionField, false)));
    }

    private OptimisticLockingFailureException staleVersion(Object id, long expected) {
        return new OptimisticLockingFailureException("Cannot write " + access.type().getSimpleName() + " id=" + id
                + " at version " + expected + " (migration '" + migration.id() + "'): it was updated or deleted "
                + "since it was read; reload it and apply the change again");
    }

    private <R> R translate(Supplier<R> action) {
        try {
            return action.get();
        }
        catch (RuntimeException ex) {
            DataAccessException translated = translator.translateExceptionIfPossible(ex);
            throw translated != null ? translated : ex;
        }
    }
}
