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
 * protocol lives (docs/architecture.md explains why):
 * <ol>
 * <li>Versions identify writes ({@link Versions}): the high bits count writes, the low bits are random per write.</li>
 * <li>The phase's source of truth (its read shape) is written first with a compare-and-set on the exact version the
 * caller read; no match means the entity changed or was deleted since it was read, and the caller gets
 * {@link OptimisticLockingFailureException}. A new entity is inserted at a first version (or just above the tombstone
 * of a deleted entity with the same id).</li>
 * <li>In {@code READ_OLD_WRITE_BOTH} the new shape is then written if it holds an older write count (the copier's
 * guard). A different write at the same count there was made by an instance reading new at the same moment: the
 * old shape decides, so this writer completes the new shape over it.</li>
 * <li>In {@code READ_NEW_WRITE_BOTH} the old shape is then written only over the exact version this write started
 * from, or over an old shape that lags behind it (instances in {@code READ_NEW_WRITE_NEW} no longer write old).
 * Anything else means an instance reading old changed the entity at the same moment, or this write started from
 * such a change not yet confirmed: the writer puts the new shape back to what old holds and fails with
 * {@link OptimisticLockingFailureException}, so two writers are never both acknowledged for one step.</li>
 * <li>Any other failure of the second write is reported to the {@link SecondWriteFailureHandler} and recorded; the
 * caller's write stands on its source of truth.</li>
 * <li>In a write-both phase a delete leaves a tombstone (id, next version, deleted marker) in both shapes, so a
 * copier that read the document just before cannot bring it back; reads never return tombstones. In a single-shape
 * phase a delete removes the document, and removes the id from the other shape too, so that no stale copy there can
 * outrank an entity later created under the same id.</li>
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
            writeSecondary(primary, document, secondary, secondaryDocument, id, expected, version);
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
            long version = Versions.first();
            document.put(versionField, version);
            try {
                translate(() -> collection.insertOne(document));
                return version;
            }
            catch (DuplicateKeyException ex) {
                return replaceTombstone(collection, document, id, ex);
            }
        }
        long version = Versions.next(expected);
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
        long version = Versions.next(tombstoneVersion);
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

    /**
     * The second write of a dual write. Never throws, except when this write lost a race against an instance in the
     * adjacent phase (see the class comment): then the caller gets {@link OptimisticLockingFailureException}.
     *
     * @param base the version the caller's write started from, {@code null} for a new entity
     */
    private void writeSecondary(ShapeAccess<T> primary, Document primaryDocument, ShapeAccess<T> secondary,
            Document document, Object id, Long base, long version) {
        boolean oldDecides = secondary.shape() == Shape.OLD;
        Bson filter = oldDecides && base != null ? baseOrLagging(id, base) : olderThan(id, version);
        try {
            secondary.collection().replaceOne(filter, document, new ReplaceOptions().upsert(true));
            return;
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
                return;
            }
        }
        catch (RuntimeException ex) {
            reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
            return;
        }
        // the filter did not match and the upsert collided with the stored _id (or another unique index)
        Document stored;
        try {
            stored = secondary.collection().find(Filters.eq("_id", id)).first();
        }
        catch (RuntimeException ex) {
            reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex);
            return;
        }
        long storedVersion = stored == null ? -1 : Bookkeeping.version(stored, versionField);
        if (storedVersion == version) {
            return; // this very write is there already (a copy of it)
        }
        boolean filterWouldMatch = stored != null && (oldDecides && base != null
                ? storedVersion == base || Versions.counter(storedVersion) < Versions.counter(base)
                : Versions.counter(storedVersion) < Versions.counter(version));
        if (stored == null || filterWouldMatch) {
            reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.ERROR,
                    new IllegalStateException("duplicate key in the " + secondary.shape().tag()
                            + " shape on a field other than _id (a unique index refused the document)"));
            return;
        }
        if (!oldDecides) {
            if (Versions.counter(storedVersion) == Versions.counter(version)) {
                // an instance reading new wrote this step on the new shape at the same moment: old decides
                reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.CONFLICT,
                        new IllegalStateException("a concurrent write from an instance reading new was replaced by "
                                + "this write, which instances reading old had already seen"));
                translate(() -> secondary.collection().replaceOne(
                        Filters.and(Filters.eq("_id", id), Filters.eq(versionField, storedVersion)), document));
            }
            return; // a later write already reached the new shape
        }
        // old holds a write this one did not start from: put new back to old's state and refuse
        reportSecondWriteFailure(secondary.shape(), id, version, SecondWriteFailure.Kind.CONFLICT,
                new IllegalStateException("an instance reading old changed the entity at the same moment; this "
                        + "write was refused and the new shape restored from the old"));
        Document restored = Bookkeeping.isTombstone(stored) ? new Document(stored)
                : compose(primary, secondary.mapping().fromDocument(stored), id);
        restored.put(versionField, storedVersion);
        translate(() -> primary.collection().replaceOne(exactly(primaryDocument), restored));
        throw new OptimisticLockingFailureException("Cannot write " + access.type().getSimpleName() + " id=" + id
                + " (migration '" + migration.id() + "'): an instance still reading the old shape changed it at the "
                + "same moment and its change was kept; reload it and apply the change again");
    }

    /** A filter matching exactly this document's top-level fields. */
    private static Bson exactly(Document document) {
        List<Bson> fields = new ArrayList<>();
        document.forEach((key, value) -> fields.add(Filters.eq(key, value)));
        return Filters.and(fields);
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
            if (!sameCollection && result.getDeletedCount() > 0) {
                ShapeAccess<T> other = shape(primary.shape().other());
                try {
                    other.collection().deleteOne(Filters.eq("_id", id));
                }
                catch (RuntimeException ex) {
                    reportSecondWriteFailure(other.shape(), id, 0L, SecondWriteFailure.Kind.ERROR, ex);
                }
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
            long version = Versions.next(currentVersion);
            Document tombstone = Bookkeeping.tombstone(id, versionField, version, now);
            UpdateResult result = translate(() -> primary.collection().replaceOne(versionIs(id, currentVersion),
                    tombstone));
            if (result.getMatchedCount() == 1) {
                if (!sameCollection) {
                    ShapeAccess<T> secondary = shape(phase.secondaryShape());
                    writeSecondary(primary, tombstone, secondary,
                            Bookkeeping.tombstone(id, versionField, version, now), id, currentVersion, version);
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

    /** {@code {_id, version below v's write count}}, a document without version counting as version 0. */
    private Bson olderThan(Object id, long version) {
        return Filters.and(Filters.eq("_id", id), Filters.or(
                Filters.lt(versionField, Versions.floor(Versions.counter(version))),
                Filters.exists(versionField, false)));
    }

    /** {@code {_id, version: base}} or an old shape lagging behind base's write count. */
    private Bson baseOrLagging(Object id, long base) {
        return Filters.and(Filters.eq("_id", id), Filters.or(Filters.eq(versionField, base),
                Filters.lt(versionField, Versions.floor(Versions.counter(base))),
                Filters.exists(versionField, false)));
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
