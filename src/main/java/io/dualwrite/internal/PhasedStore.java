package io.dualwrite.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
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
import com.mongodb.client.result.UpdateResult;

import io.dualwrite.IncompleteWriteException;
import io.dualwrite.Migration;
import io.dualwrite.Phase;
import io.dualwrite.SecondWriteFailure;
import io.dualwrite.Shape;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.spi.SecondWriteFailureHandler;
import io.dualwrite.spi.ShapeTraffic;

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

    private volatile ReadObserver readObserver = ReadObserver.NONE;

    private final ShapeTraffic traffic;

    PhasedStore(Migration<T> migration, PhaseSource phaseSource, EntityAccess<T> access, ShapeAccess<T> oldShape,
            ShapeAccess<T> newShape, SecondWriteFailureHandler failureHandler,
            PersistenceExceptionTranslator translator, Clock clock, ShapeTraffic traffic) {
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
        this.traffic = traffic == null ? ShapeTraffic.NONE : traffic;
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

    /** The domain id of an entity. */
    public Object idOf(T entity) {
        return access.id(entity);
    }

    /** The {@code _id} for a domain id. */
    public Object storedId(Object domainId) {
        return access.storedId(domainId);
    }

    /** The name of the version field in both shapes. */
    public String versionField() {
        return versionField;
    }

    /** Whether both shapes live in one collection. */
    public boolean isSameCollection() {
        return sameCollection;
    }

    /**
     * The fields of shape {@code to} for the entity stored in {@code source}, a document of shape {@code from}:
     * the mapping reads the entity and writes it in the other shape. The result holds the entity's own fields only
     * (no {@code _id}, version or bookkeeping).
     *
     * @throws RuntimeException when a mapping cannot convert the document (the copier dead-letters it)
     */
    public Document convert(Document source, Shape from, Shape to) {
        T entity = shape(from).mapping().fromDocument(source);
        if (entity == null) {
            throw new IllegalStateException("the " + from.tag() + " mapping returned null");
        }
        return mapped(shape(to), entity);
    }

    /**
     * The copier's guard: {@code {_id: id}} holding an older write count than {@code version}, or no version at
     * all (a document written before the migration).
     */
    public Bson olderWriteThan(Object id, long version) {
        return olderThan(id, version);
    }

    /** {@code {_id: id}} at exactly {@code version} (version 0 also matches a document without a version). */
    public Bson atVersion(Object id, long version) {
        return versionIs(id, version);
    }

    // ---------------------------------------------------------------- reads

    /** The entity with this id in the current phase's read shape, never a tombstone. */
    public Optional<T> findById(Object id) {
        Objects.requireNonNull(id, "The given id must not be null");
        Phase phase = phase();
        ShapeAccess<T> shape = shape(phase.readShape());
        traffic.read(shape.shape());
        Object storedId = access.storedId(id);
        Document document = translate(() -> shape.collection().find(Filters.eq("_id", storedId)).first());
        Optional<T> found = Optional.ofNullable(document).filter(d -> isLive(d, shape.shape()))
                .map(d -> toEntity(shape, d));
        ReadObserver observer = readObserver;
        if (observer != ReadObserver.NONE) {
            observeById(observer, phase, storedId, document);
        }
        return found;
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
        Phase phase = phase();
        ShapeAccess<T> shape = shape(phase.readShape());
        ReadObserver observer = readObserver;
        if (observer == ReadObserver.NONE || !sample(observer, phase)) {
            return find(shape, spec, null);
        }
        List<Document> documents = new ArrayList<>();
        List<T> result = find(shape, spec, documents);
        try {
            observer.readMany(phase, documents);
        }
        catch (RuntimeException ex) {
            log.debug("A read observer of migration '{}' failed; the read is unaffected", migration.id(), ex);
        }
        return result;
    }

    /** Runs a query on the given shape. */
    public List<T> find(ShapeAccess<T> shape, QuerySpec spec) {
        return find(shape, spec, null);
    }

    /** Runs a query on the given shape, adding the documents read to {@code read} unless it is {@code null}. */
    private List<T> find(ShapeAccess<T> shape, QuerySpec spec, List<Document> read) {
        traffic.read(shape.shape());
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
                if (read != null) {
                    read.add(document);
                }
            }
            return result;
        });
    }

    /** Counts live entities matching the filter in the current read shape. */
    public long count(QuerySpec spec) {
        ShapeAccess<T> shape = shape(phase().readShape());
        traffic.read(shape.shape());
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

    /**
     * Installs the observer told about this store's reads (shadow reads); {@link ReadObserver#NONE} removes it.
     */
    public void observeReads(ReadObserver observer) {
        this.readObserver = Objects.requireNonNull(observer, "observer");
    }

    private void observeById(ReadObserver observer, Phase phase, Object storedId, Document document) {
        try {
            if (observer.sample(phase)) {
                observer.readById(phase, storedId, document);
            }
        }
        catch (RuntimeException ex) {
            log.debug("A read observer of migration '{}' failed; the read is unaffected", migration.id(), ex);
        }
    }

    private boolean sample(ReadObserver observer, Phase phase) {
        try {
            return observer.sample(phase);
        }
        catch (RuntimeException ex) {
            log.debug("A read observer of migration '{}' failed; the read is unaffected", migration.id(), ex);
            return false;
        }
    }

    /** Whether the document is a live entity of the shape: not a tombstone, and (one collection) holding the shape. */
    public boolean isLive(Document document, Shape shape) {
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
     * @throws OptimisticLockingFailureException when the entity's version is stale, or it changed at the same moment
     * @throws DuplicateKeyException when a new entity's id is taken by a live entity
     * @throws IncompleteWriteException in {@code READ_NEW_WRITE_BOTH} when the old shape took the write but the new
     * one (the one this phase reads) did not; it is recorded for repair
     */
    public T save(T entity) {
        Objects.requireNonNull(entity, "Entity must not be null");
        Phase phase = phase();
        countWrites(phase);
        Object domainId = access.id(entity);
        if (domainId == null) {
            domainId = access.generateId();
        }
        Object id = access.storedId(domainId);
        Long expected = access.version(entity);
        long version;
        if (sameCollection) {
            version = writeSameCollection(phase, entity, id, expected);
        }
        else {
            version = writeTwoCollections(phase, id, expected, v -> document(Shape.OLD, entity, id, v),
                    v -> document(Shape.NEW, entity, id, v));
        }
        return access.withIdAndVersion(entity, id, version);
    }

    /**
     * The two-collection write protocol, for saves and for deletes (whose documents are tombstones).
     *
     * @param expected the version the caller read, {@code null} for a new entity
     * @param oldDocument the old shape's document at a given version
     * @param newDocument the new shape's document at a given version
     * @return the version written
     */
    private long writeTwoCollections(Phase phase, Object id, Long expected, LongFunction<Document> oldDocument,
            LongFunction<Document> newDocument) {
        switch (phase) {
            case OLD_ONLY -> {
                if (expected == null) {
                    long above = versionAbove(newShape, id);
                    return insert(oldShape, oldDocument, id, above);
                }
                return claim(oldShape, id, expected, oldDocument.apply(Versions.next(expected)));
            }
            case READ_NEW_WRITE_NEW -> {
                LongFunction<Document> marked = v -> markNewOnly(newDocument.apply(v));
                if (expected == null) {
                    return insert(newShape, marked, id, 0L);
                }
                return claim(newShape, id, expected, marked.apply(Versions.next(expected)));
            }
            default -> {
                return writeBoth(phase, id, expected, oldDocument, newDocument);
            }
        }
    }

    /**
     * Both write-both phases claim the version on the old shape while instances may still read it, then write the
     * new shape. {@code READ_NEW_WRITE_BOTH} acknowledges only when the new shape (the one it reads) has the write.
     * An entity last written by a {@code READ_NEW_WRITE_NEW} instance is decided by the new shape instead.
     */
    private long writeBoth(Phase phase, Object id, Long expected, LongFunction<Document> oldDocument,
            LongFunction<Document> newDocument) {
        boolean readsNew = phase.readShape() == Shape.NEW;
        long version;
        if (expected == null) {
            try {
                version = insert(oldShape, oldDocument, id, 0L);
            }
            catch (DuplicateKeyException duplicate) {
                return createDecidedByNew(phase, id, oldDocument, newDocument, duplicate);
            }
        }
        else {
            long next = Versions.next(expected);
            version = next;
            UpdateResult claimed = translate(() -> oldShape.collection().replaceOne(claimableOnOld(id, expected),
                    oldDocument.apply(next)));
            if (claimed.getMatchedCount() == 0) {
                return writeBothDecidedByNew(phase, id, expected, oldDocument, newDocument);
            }
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            long current = version;
            SecondWrite outcome = writeNewBehindOld(id, current, newDocument.apply(current), expected == null);
            switch (outcome.result()) {
                case APPLIED, SUPERSEDED -> {
                    return current;
                }
                case STALE_IN_NEW -> {
                    // the new shape holds a leftover (tombstone or stale copy) at a higher count: move above it
                    long above = Versions.next(Math.max(outcome.storedVersion(), current));
                    UpdateResult moved;
                    try {
                        moved = oldShape.collection().replaceOne(versionIs(id, current), oldDocument.apply(above));
                    }
                    catch (RuntimeException ex) {
                        failed(id, current, ex);
                        if (readsNew) {
                            throw new IncompleteWriteException(migration.id(), id, current, ex);
                        }
                        return current;
                    }
                    if (moved.getMatchedCount() == 0) {
                        return current; // a later write on old took over, and writes new itself
                    }
                    version = above;
                }
                case NEW_DECIDES -> {
                    reportSecondWriteFailure(Shape.NEW, id, current, SecondWriteFailure.Kind.CONFLICT,
                            new IllegalStateException("an instance in READ_NEW_WRITE_NEW wrote the entity at the same "
                                    + "moment; this write was refused"), true);
                    throw new OptimisticLockingFailureException("Cannot write " + access.type().getSimpleName()
                            + " id=" + id + " (migration '" + migration.id() + "'): an instance already in "
                            + "READ_NEW_WRITE_NEW changed it at the same moment; reload it and apply the change again");
                }
                case FAILED -> {
                    if (readsNew) {
                        throw new IncompleteWriteException(migration.id(), id, current, outcome.cause());
                    }
                    return current;
                }
            }
        }
        reportSecondWriteFailure(Shape.NEW, id, version, SecondWriteFailure.Kind.ERROR,
                new IllegalStateException("the new shape kept changing under this write"), false);
        if (readsNew) {
            throw new IncompleteWriteException(migration.id(), id, version, null);
        }
        return version;
    }

    /**
     * The old shape did not hold the version the caller read, unmarked. If the entity was last written by a
     * {@code READ_NEW_WRITE_NEW} instance (so no instance reads old any more), the new shape decides; otherwise the
     * caller's version is stale. The old shape is then kept up to date behind new, best effort, with documents marked
     * {@code _dwNewOnly} too: a claim on old never succeeds on them, so every write of such an entity goes through
     * new's compare-and-set until a reverse copy hands the entity back to old (docs/architecture.md, "Handing an
     * entity back to old").
     */
    private long writeBothDecidedByNew(Phase phase, Object id, long expected, LongFunction<Document> oldDocument,
            LongFunction<Document> newDocument) {
        if (phase.readShape() == Shape.OLD) {
            throw staleOrDecidedByNew(id, expected);
        }
        Document stored = translate(() -> newShape.collection().find(Filters.eq("_id", id)).first());
        if (stored == null || !isNewOnly(stored) || Bookkeeping.version(stored, versionField) != expected) {
            throw staleVersion(id, expected);
        }
        long version = Versions.next(expected);
        claim(newShape, id, expected, markNewOnly(newDocument.apply(version)));
        writeSecondary(oldShape, id, version, markNewOnly(oldDocument.apply(version)));
        return version;
    }

    /**
     * A claim on old failed in a phase that reads old: normally a stale version; if old holds exactly that version
     * marked {@code _dwNewOnly}, the new shape still decides for the entity and a reverse copy has to hand it back.
     */
    private OptimisticLockingFailureException staleOrDecidedByNew(Object id, long expected) {
        Document old = translate(() -> oldShape.collection().find(Filters.eq("_id", id)).first());
        if (old != null && isNewOnly(old) && Bookkeeping.version(old, versionField) == expected) {
            return new OptimisticLockingFailureException("Cannot write " + access.type().getSimpleName() + " id=" + id
                    + " (migration '" + migration.id() + "'): the new shape still decides for it (it was written in "
                    + "READ_NEW_WRITE_NEW); run a reverse copy while every instance writes both shapes to hand it "
                    + "back to the old shape");
        }
        return staleVersion(id, expected);
    }

    /**
     * The old shape still holds the id alive, but a {@code READ_NEW_WRITE_NEW} instance deleted it (the new shape holds
     * its marked tombstone): the new shape decides, and the id starts a new life there, above that tombstone.
     */
    private long createDecidedByNew(Phase phase, Object id, LongFunction<Document> oldDocument,
            LongFunction<Document> newDocument, DuplicateKeyException duplicate) {
        Document stored = phase.readShape() == Shape.NEW
                ? translate(() -> newShape.collection().find(Filters.eq("_id", id)).first()) : null;
        if (stored == null || !Bookkeeping.isTombstone(stored) || !isNewOnly(stored)) {
            throw duplicate;
        }
        long version = insert(newShape, v -> markNewOnly(newDocument.apply(v)), id, 0L);
        writeSecondary(oldShape, id, version, markNewOnly(oldDocument.apply(version)));
        return version;
    }

    /** What became of the new shape's write behind a claim on old. */
    private enum SecondWriteResult {
        APPLIED, SUPERSEDED, STALE_IN_NEW, NEW_DECIDES, FAILED
    }

    private record SecondWrite(SecondWriteResult result, long storedVersion, Exception cause) {

        static SecondWrite of(SecondWriteResult result) {
            return new SecondWrite(result, 0L, null);
        }
    }

    /**
     * Writes the new shape after this write claimed {@code version} on the old shape: applies over an older write
     * count; a newer one is left alone when a later claim on old wrote it, and reported when it is a leftover old
     * no longer backs (a tombstone of an earlier life of the id, a stale copy) or a {@code READ_NEW_WRITE_NEW} write.
     */
    private SecondWrite writeNewBehindOld(Object id, long version, Document document, boolean creating) {
        try {
            newShape.collection().replaceOne(olderThan(id, version), document, new ReplaceOptions().upsert(true));
            return SecondWrite.of(SecondWriteResult.APPLIED);
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                return failed(id, version, ex);
            }
        }
        catch (RuntimeException ex) {
            return failed(id, version, ex);
        }
        try {
            Document stored = newShape.collection().find(Filters.eq("_id", id)).first();
            long storedVersion = stored == null ? -1 : Bookkeeping.version(stored, versionField);
            if (storedVersion == version) {
                return SecondWrite.of(SecondWriteResult.APPLIED);
            }
            if (stored == null || Versions.counter(storedVersion) < Versions.counter(version)) {
                return failed(id, version, new IllegalStateException("duplicate key in the new shape on a field "
                        + "other than _id (a unique index refused the document)"));
            }
            Document old = oldShape.collection().find(Filters.eq("_id", id)).first();
            boolean oldStillMine = old != null && Bookkeeping.version(old, versionField) == version;
            if (creating && oldStillMine && Bookkeeping.isTombstone(stored)) {
                return new SecondWrite(SecondWriteResult.STALE_IN_NEW, storedVersion, null); // an earlier life of the id
            }
            if (isNewOnly(stored) || (old != null && isNewOnly(old))) {
                // new decides for the entity: a claim on old that was overwritten on new's behalf is refused
                return SecondWrite.of(SecondWriteResult.NEW_DECIDES);
            }
            if (oldStillMine) {
                return new SecondWrite(SecondWriteResult.STALE_IN_NEW, storedVersion, null);
            }
            return SecondWrite.of(SecondWriteResult.SUPERSEDED);
        }
        catch (RuntimeException ex) {
            return failed(id, version, ex);
        }
    }

    private SecondWrite failed(Object id, long version, Exception cause) {
        reportSecondWriteFailure(Shape.NEW, id, version, SecondWriteFailure.Kind.ERROR, cause, false);
        return new SecondWrite(SecondWriteResult.FAILED, 0L, cause);
    }

    /**
     * A best-effort guarded write of a shape nobody relies on right now: failures are recorded, never thrown. A
     * duplicate key is the guard at work only when the shape holds the id at this write count or a later one;
     * otherwise another unique index refused the document, which is a failure like any other.
     */
    private void writeSecondary(ShapeAccess<T> shape, Object id, long version, Document document) {
        try {
            shape.collection().replaceOne(olderThan(id, version), document, new ReplaceOptions().upsert(true));
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY || !holdsAtLeast(shape, id, version)) {
                reportSecondWriteFailure(shape.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex, false);
            }
        }
        catch (RuntimeException ex) {
            reportSecondWriteFailure(shape.shape(), id, version, SecondWriteFailure.Kind.ERROR, ex, false);
        }
    }

    /** Whether the shape holds the id at {@code version}'s write count or a later one (false when unreadable). */
    private boolean holdsAtLeast(ShapeAccess<T> shape, Object id, long version) {
        try {
            Document stored = shape.collection().find(Filters.eq("_id", id))
                    .projection(new Document(versionField, 1)).first();
            return stored != null
                    && Versions.counter(Bookkeeping.version(stored, versionField)) >= Versions.counter(version);
        }
        catch (RuntimeException ex) {
            return false;
        }
    }

    private long writeSameCollection(Phase phase, T entity, Object id, Long expected) {
        Document document = new Document("_id", id);
        List<String> shapes = new ArrayList<>(2);
        for (Shape shape : Shape.values()) {
            if (!phase.writes(shape)) {
                continue;
            }
            Document fields = mapped(shape(shape), entity);
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                Object previous = document.putIfAbsent(field.getKey(), field.getValue());
                if (previous != null && !Objects.equals(previous, field.getValue())) {
                    throw new IllegalStateException("Migration '" + migration.id() + "' keeps both shapes in "
                            + "collection '" + oldShape.collection().getNamespace().getCollectionName()
                            + "' but both write field '" + field.getKey() + "' with different values ("
                            + previous + " / " + field.getValue() + "); give the new shape its own field name");
                }
            }
            shapes.add(shape.tag());
        }
        document.put(Bookkeeping.SHAPES, shapes);
        if (expected == null) {
            return insert(oldShape, v -> new Document(document), id, 0L);
        }
        return claim(oldShape, id, expected, withVersion(new Document(document), Versions.next(expected)));
    }

    private Document document(Shape shape, T entity, Object id, long version) {
        Document document = new Document("_id", id);
        document.putAll(mapped(shape(shape), entity));
        return withVersion(document, version);
    }

    private Document withVersion(Document document, long version) {
        document.put(versionField, version);
        return document;
    }

    private Document mapped(ShapeAccess<T> shape, T entity) {
        Document fields = shape.mapping().toDocument(entity);
        fields.remove("_id");
        fields.remove(versionField);
        fields.keySet().removeIf(key -> key.startsWith("_dw"));
        return fields;
    }

    private static Document markNewOnly(Document document) {
        document.put(Bookkeeping.NEW_ONLY, true);
        return document;
    }

    private static boolean isNewOnly(Document document) {
        return Boolean.TRUE.equals(document.get(Bookkeeping.NEW_ONLY));
    }

    /** Compare-and-set on one shape; returns the version written. */
    private long claim(ShapeAccess<T> shape, Object id, long expected, Document document) {
        UpdateResult result = translate(() -> shape.collection().replaceOne(versionIs(id, expected), document));
        if (result.getMatchedCount() == 0) {
            throw staleVersion(id, expected);
        }
        return Bookkeeping.version(document, versionField);
    }

    /**
     * Inserts a new entity; over a tombstone of the same id it continues that id's versions, and it always starts
     * above {@code above} (the version another shape holds for the id).
     */
    private long insert(ShapeAccess<T> shape, LongFunction<Document> documentAt, Object id, long above) {
        long version = above == 0 ? Versions.first() : Versions.next(above);
        try {
            Document document = withVersion(documentAt.apply(version), version);
            translate(() -> shape.collection().insertOne(document));
            return version;
        }
        catch (DuplicateKeyException duplicate) {
            Document existing = translate(() -> shape.collection().find(Filters.eq("_id", id)).first());
            if (existing == null || !Bookkeeping.isTombstone(existing)) {
                throw duplicate;
            }
            if (shape == oldShape && !sameCollection && isNewOnly(existing)) {
                throw duplicate; // a tombstone left on new's behalf: the new shape decides whether the id is free
            }
            long tombstoneVersion = Bookkeeping.version(existing, versionField);
            long continued = Versions.next(Math.max(tombstoneVersion, above));
            Document document = withVersion(documentAt.apply(continued), continued);
            UpdateResult result = translate(() -> shape.collection().replaceOne(
                    Filters.and(Filters.eq("_id", id), Filters.eq(versionField, tombstoneVersion),
                            Filters.eq(Bookkeeping.DELETED, true)), document));
            if (result.getMatchedCount() == 0) {
                throw new OptimisticLockingFailureException("Cannot create " + access.type().getSimpleName()
                        + " id=" + id + ": another writer re-created it at the same moment; reload it and try again");
            }
            return continued;
        }
    }

    /** The version another shape holds for the id (0 when none), so that a re-created entity starts above it. */
    private long versionAbove(ShapeAccess<T> shape, Object id) {
        try {
            Document stored = shape.collection().find(Filters.eq("_id", id))
                    .projection(new Document(versionField, 1)).first();
            return stored == null ? 0L : Bookkeeping.version(stored, versionField);
        }
        catch (RuntimeException ex) {
            log.debug("Could not read the {} shape of _id={} before an insert", shape.shape().tag(), id, ex);
            return 0L;
        }
    }

    /** Tells the traffic counters of a write to every shape the phase writes (an index loop: no iterator). */
    private void countWrites(Phase phase) {
        List<Shape> shapes = phase.writeOrder();
        for (int i = 0; i < shapes.size(); i++) {
            traffic.write(shapes.get(i));
        }
    }

    private void reportSecondWriteFailure(Shape shape, Object id, long version, SecondWriteFailure.Kind kind,
            Exception cause, boolean resolved) {
        if (!resolved) {
            traffic.secondWriteFailed(shape);
        }
        SecondWriteFailure failure = new SecondWriteFailure(migration.id(), id, shape, version, kind,
                String.valueOf(cause.getMessage()), resolved, clock.instant());
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
     * Deletes the entity if its version is current (by id when it has no version).
     *
     * @throws OptimisticLockingFailureException when it was updated or deleted since it was read
     */
    public void delete(T entity) {
        Objects.requireNonNull(entity, "Entity must not be null");
        Object domainId = access.id(entity);
        if (domainId == null) {
            return;
        }
        delete(access.storedId(domainId), access.version(entity));
    }

    private void delete(Object id, Long expected) {
        Phase phase = phase();
        countWrites(phase);
        Date now = Date.from(clock.instant());
        if (sameCollection && !phase.writesBoth()) {
            // one document holds both shapes: a compare-and-set delete leaves nothing a copy could bring back
            Bson filter = expected == null ? Filters.eq("_id", id) : versionIs(id, expected);
            if (translate(() -> oldShape.collection().deleteOne(filter)).getDeletedCount() == 0 && expected != null) {
                throw staleVersion(id, expected);
            }
            return;
        }
        if (phase == Phase.OLD_ONLY) {
            deleteOldOnly(id, expected, now);
            return;
        }
        ShapeAccess<T> read = shape(phase.readShape());
        for (int attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
            Document current = translate(() -> read.collection().find(Filters.eq("_id", id)).first());
            if (current == null || !isLive(current, read.shape())) {
                if (expected != null) {
                    throw staleVersion(id, expected);
                }
                return;
            }
            long currentVersion = Bookkeeping.version(current, versionField);
            if (expected != null && currentVersion != expected) {
                throw staleVersion(id, expected);
            }
            try {
                if (sameCollection) {
                    claim(oldShape, id, currentVersion,
                            Bookkeeping.tombstone(id, versionField, Versions.next(currentVersion), now));
                }
                else {
                    writeTwoCollections(phase, id, currentVersion,
                            v -> Bookkeeping.tombstone(id, versionField, v, now),
                            v -> Bookkeeping.tombstone(id, versionField, v, now));
                }
                return;
            }
            catch (OptimisticLockingFailureException concurrent) {
                if (expected != null) {
                    throw concurrent;
                }
            }
        }
        throw new OptimisticLockingFailureException("Cannot delete " + access.type().getSimpleName() + " id=" + id
                + ": it was updated concurrently " + DELETE_ATTEMPTS + " times in a row; try again");
    }

    /**
     * Before the migration the old shape is deleted as it always was (no tombstone for other readers of the old
     * collection to trip over), and the new shape gets a tombstone above the deleted version, so that neither a copy
     * in flight nor a write-both instance's second write can bring the entity back there.
     */
    private void deleteOldOnly(Object id, Long expected, Date now) {
        Bson filter = expected == null ? Filters.eq("_id", id) : versionIs(id, expected);
        Document deleted = translate(() -> oldShape.collection().findOneAndDelete(filter));
        if (deleted == null) {
            if (expected != null) {
                throw staleVersion(id, expected);
            }
            return;
        }
        long version = Versions.next(Bookkeeping.version(deleted, versionField));
        writeSecondary(newShape, id, version, Bookkeeping.tombstone(id, versionField, version, now));
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A claim on old: {@code {_id, version: v}} on a document not marked {@code _dwNewOnly}. A marked old document was
     * written on new's behalf (the new shape decides for the entity), so its writers must go through new.
     */
    private Bson claimableOnOld(Object id, long version) {
        return Filters.and(versionIs(id, version), Filters.ne(Bookkeeping.NEW_ONLY, true));
    }

    /** {@code {_id: id, version: v}}; version 0 also matches a document written before the migration (no version). */
    private Bson versionIs(Object id, long version) {
        Bson versionFilter = version == 0 ? Filters.in(versionField, 0L, null) : Filters.eq(versionField, version);
        return Filters.and(Filters.eq("_id", id), versionFilter);
    }

    /** {@code {_id, version below v's write count}}; a missing or null version counts as 0. */
    private Bson olderThan(Object id, long version) {
        return Filters.and(Filters.eq("_id", id), Filters.or(
                Filters.lt(versionField, Versions.floor(Versions.counter(version))),
                Filters.eq(versionField, null)));
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
