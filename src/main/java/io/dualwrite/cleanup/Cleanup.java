package io.dualwrite.cleanup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;
import org.springframework.data.mongodb.core.mapping.MongoPersistentEntity;
import org.springframework.data.mongodb.core.mapping.MongoPersistentProperty;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LiveCheck;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.toggle.PhaseToggleStates;
import io.dualwrite.toggle.PhaseToggles;

/**
 * The contract step of a migration (runbook step 6): removes the old shape once nothing reads or writes it.
 * <ul>
 * <li>{@link #plan(String)} is the dry run: for a two-collection migration, the old collection to drop (its document
 * count and indexes); for a same-collection migration, the old-shape fields to remove with how many documents carry
 * each, the fields that stay and why, and what happens to the layer's bookkeeping fields. It says whether the cleanup
 * is allowed right now and, if not, why and what to do. It changes nothing.</li>
 * <li>{@link #execute(String, String, String)} removes exactly what the dry run listed: it takes the dry run's
 * {@linkplain CleanupPlan#token() token}, and refuses when a new dry run would list something else or when the
 * cleanup is not allowed. Two collections: the old collection is dropped. One collection: the listed indexes are
 * dropped, then one {@code updateMany} removes the listed fields ({@code $unset}) from the documents holding the new
 * shape; running it again changes nothing more.</li>
 * <li>{@link #isCleanedUp(String)} and {@link #lastCleanup(String)} read the durable record of executed cleanups
 * ({@link CleanupHistory}, which the phase guard and the status page can also use on its own).</li>
 * </ul>
 * <b>Allowed</b> means: the shared phase toggle is {@code READ_NEW_WRITE_NEW}, at least one instance is live and every
 * live instance reports {@code READ_NEW_WRITE_NEW} in the {@link InstanceRegistry}; for one collection, no document
 * holds the old shape only (it was never copied, and removing its old fields would lose it); for two collections, no
 * other declared migration still needs the old collection.
 * <p>
 * Which fields belong to a shape (one collection) comes from its declaration and its mapping: the declared query
 * fields, the properties of the domain type for a {@linkplain ShapeDeclaration#springData(String) Spring Data shape},
 * and what each shape's mapping writes for every document holding both shapes (the dry run reads them all once, like a
 * verification), so that fields a mapped shape writes without declaring them, or only for some documents, are found
 * too; every field of a document written in {@code READ_NEW_WRITE_NEW} (it holds the new shape only) is a new-shape
 * field. A field is removed only when the new shape uses neither it, nor a field inside it, nor a field it is inside;
 * {@code _id}, the version field (shared by both shapes) and the layer's {@code _dw*} fields are never removed. A
 * document a mapping cannot read blocks the cleanup, since what it holds cannot be told.
 */
public class Cleanup {

    private static final Logger log = LoggerFactory.getLogger(Cleanup.class);

    private static final Phase REQUIRED = Phase.READ_NEW_WRITE_NEW;

    private final MigrationRegistry registry;

    private final PhasedStores stores;

    private final MongoDatabase database;

    private final MongoMappingContext mappingContext;

    private final PhaseToggles toggles;

    private final InstanceRegistry instances;

    private final CleanupHistory history;

    private final Clock clock;

    /**
     * @param registry the declared migrations
     * @param stores their stores (collections and mappings)
     * @param database the database holding both shapes
     * @param mappingContext Spring Data's mapping of the domain types (for Spring Data shapes)
     * @param toggles the shared phase toggles; {@code null} when there are none (every cleanup is then refused)
     * @param instances the instance registry; {@code null} when it is disabled (every cleanup is then refused)
     * @param history where executed cleanups are recorded
     * @param clock the time of dry runs and records
     */
    public Cleanup(MigrationRegistry registry, PhasedStores stores, MongoDatabase database,
            MongoMappingContext mappingContext, PhaseToggles toggles, InstanceRegistry instances,
            CleanupHistory history, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stores = Objects.requireNonNull(stores, "stores");
        this.database = Objects.requireNonNull(database, "database");
        this.mappingContext = Objects.requireNonNull(mappingContext, "mappingContext");
        this.toggles = toggles;
        this.instances = instances;
        this.history = Objects.requireNonNull(history, "history");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The dry run: what a cleanup of the migration would remove now, and whether it is allowed. Changes nothing.
     *
     * @throws IllegalArgumentException when the migration is not declared (the message lists the declared ones)
     */
    public CleanupPlan plan(String migrationId) {
        Migration<?> migration = registry.require(migrationId);
        List<String> blockers = new ArrayList<>();
        Phase shared = sharedPhase(migrationId, blockers);
        String live = liveInstances(migrationId, blockers);
        Instant now = clock.instant();
        return migration.isSameCollection() ? unsetPlan(migration, shared, live, blockers, now)
                : dropPlan(migration, shared, live, blockers, now);
    }

    /**
     * Removes the old shape as the dry run with this token listed it, recording who did it.
     *
     * @param planToken the {@link CleanupPlan#token()} of the dry run the operator checked
     * @param by who asks (a user name, or where the request came from), recorded
     * @throws IllegalArgumentException when the migration is not declared, or no token is given
     * @throws CleanupRefusedException when the token does not match a new dry run, or the cleanup is not allowed now
     *         (the message says why and what to do); nothing is removed then
     */
    public CleanupResult execute(String migrationId, String planToken, String by) {
        registry.require(migrationId);
        if (planToken == null || planToken.isBlank()) {
            throw new IllegalArgumentException("No token given for the cleanup of migration '" + migrationId
                    + "': run the dry run first, check what it lists, and pass its token");
        }
        CleanupPlan plan = plan(migrationId);
        if (!plan.token().equals(planToken.trim())) {
            throw CleanupRefusedException.staleToken(migrationId, planToken.trim(), plan.token());
        }
        if (!plan.allowed()) {
            throw CleanupRefusedException.notAllowed(migrationId, plan.blockers());
        }
        String who = by == null || by.isBlank() ? "an unnamed user" : by.trim();
        CleanupResult result = plan.kind() == CleanupPlan.Kind.DROP_COLLECTION ? drop(plan, who) : unset(plan, who);
        log.warn("Cleanup of migration '{}' by {}: {}", migrationId, who, result.summary());
        return result;
    }

    /** {@link #execute(String, String, String)} recorded as done "through the Java API". */
    public CleanupResult execute(String migrationId, String planToken) {
        return execute(migrationId, planToken, "the Java API");
    }

    /**
     * Whether a cleanup of the migration has been executed (the old shape is gone, or was found already gone).
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public boolean isCleanedUp(String migrationId) {
        return history.isCleanedUp(migrationId);
    }

    /**
     * The latest executed cleanup of the migration.
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public Optional<CleanupRecord> lastCleanup(String migrationId) {
        return history.lastCleanup(migrationId);
    }

    // ---------------------------------------------------------------- permission

    private Phase sharedPhase(String migrationId, List<String> blockers) {
        if (toggles == null) {
            blockers.add("No shared phase toggle is configured (dualwrite's Togglz integration is off), so the phase "
                    + "every instance shares cannot be read; cleanup needs it to be " + REQUIRED + ".");
            return null;
        }
        PhaseToggleStates.Reading reading = toggles.storedState(migrationId);
        if (!reading.valid()) {
            blockers.add("The shared phase toggle of migration '" + migrationId + "' is not valid ("
                    + reading.problem() + "); fix it " + PhaseToggleStates.howToFix(migrationId)
                    + ", then run the dry run again.");
            return null;
        }
        if (reading.phase() != REQUIRED) {
            blockers.add("The shared phase of migration '" + migrationId + "' is " + reading.phase()
                    + "; the old shape may be removed only in " + REQUIRED + ": switch to it (runbook step 5), wait "
                    + "until every instance reports it, then run the dry run again.");
        }
        return reading.phase();
    }

    private String liveInstances(String migrationId, List<String> blockers) {
        if (instances == null) {
            blockers.add("The instance registry is disabled (no InstanceRegistry bean), so nothing tells whether "
                    + "every live instance is in " + REQUIRED + "; cleanup refuses without it. Enable it (dualwrite's "
                    + "DualWriteInstancesAutoConfiguration, on by default) or declare an InstanceRegistry bean.");
            return "unknown: the instance registry is disabled";
        }
        LiveCheck check = instances.everyLiveInstance(migrationId, phase -> phase == REQUIRED, "in " + REQUIRED);
        if (!check.hasLiveInstances()) {
            blockers.add(check.describe() + " Cleanup needs at least one live instance reporting " + REQUIRED
                    + ": with none, instances that do not register (dualwrite.instances.enabled=false) could still "
                    + "use the old shape unseen. Start an instance of the service (it registers when it starts) and "
                    + "run the dry run again.");
        }
        else if (!check.satisfied()) {
            blockers.add(check.describe() + " Wait until they report " + REQUIRED + " (an instance reports its phase "
                    + "with every heartbeat, and right after it changes); an instance that is gone stops counting once "
                    + "its last heartbeat is older than dualwrite.instances.ttl (" + instances.ttl().toSeconds()
                    + " s). Then run the dry run again.");
        }
        return check.describe();
    }

    /** Whether another migration's shared phase and live instances are at {@code READ_NEW_WRITE_NEW}. */
    private List<String> notReady(String migrationId) {
        List<String> reasons = new ArrayList<>();
        sharedPhase(migrationId, reasons);
        liveInstances(migrationId, reasons);
        return reasons;
    }

    // ---------------------------------------------------------------- two collections

    private CleanupPlan dropPlan(Migration<?> migration, Phase shared, String live, List<String> blockers,
            Instant now) {
        String name = migration.shape(Shape.OLD).collection();
        String newName = migration.shape(Shape.NEW).collection();
        boolean exists = exists(name);
        MongoCollection<Document> collection = database.getCollection(name);
        long documents = exists ? collection.countDocuments() : 0;
        List<CleanupPlan.Index> indexes = exists ? indexes(collection) : List.of();
        for (Migration<?> other : registry.all()) {
            if (other == migration || !exists) {
                continue;
            }
            if (other.shape(Shape.NEW).collection().equals(name)) {
                blockers.add("Collection '" + name + "' is also the new shape of migration '" + other.id()
                        + "'; dropping it would delete that migration's data. Remove the old shape of '"
                        + migration.id() + "' by hand once '" + other.id() + "' no longer keeps its data there.");
            }
            else if (other.shape(Shape.OLD).collection().equals(name)) {
                List<String> reasons = notReady(other.id());
                if (!reasons.isEmpty()) {
                    blockers.add("Collection '" + name + "' is also the old shape of migration '" + other.id()
                            + "', which still needs it: " + String.join(" ", reasons)
                            + " Dropping the collection cleans up both once both are in " + REQUIRED + ".");
                }
            }
        }
        List<String> bookkeeping = List.of("Tombstones and the " + Bookkeeping.NEW_ONLY + " markers in the new "
                + "collection '" + newName + "' stay: instances in " + REQUIRED + " still write and read them.");
        List<String> content = new ArrayList<>(List.of("drop", migration.id(), name, String.valueOf(exists),
                String.valueOf(documents)));
        indexes.forEach(index -> content.add(index.name() + "=" + index.keys()));
        return new CleanupPlan(migration.id(), CleanupPlan.Kind.DROP_COLLECTION, name, exists, documents, indexes,
                List.of(), List.of(), bookkeeping, 0, shared, live, blockers, token(content), now);
    }

    private CleanupResult drop(CleanupPlan plan, String by) {
        if (plan.collectionExists()) {
            database.getCollection(plan.collection()).drop();
        }
        List<String> indexes = plan.indexes().stream().map(CleanupPlan.Index::name).toList();
        return new CleanupResult(plan.migrationId(), plan.kind(), plan.collection(), List.of(), indexes,
                plan.documents(), plan.documents(), record(plan, by, List.of(), indexes, plan.documents()));
    }

    // ---------------------------------------------------------------- one collection

    private CleanupPlan unsetPlan(Migration<?> migration, Phase shared, String live, List<String> blockers,
            Instant now) {
        PhasedStore<?> store = stores.forMigration(migration.id());
        String name = migration.shape(Shape.OLD).collection();
        boolean exists = exists(name);
        MongoCollection<Document> collection = database.getCollection(name);
        String versionField = migration.versionField();

        Set<String> oldFields = new TreeSet<>(declaredFields(migration, Shape.OLD));
        Set<String> newFields = new TreeSet<>(declaredFields(migration, Shape.NEW));
        Scan scan = exists ? scan(store, collection, oldFields, newFields) : new Scan(0, null, null);
        List<String> removed = new ArrayList<>();
        List<CleanupPlan.KeptField> kept = new ArrayList<>();
        for (String field : oldFields) {
            if (field.equals("_id") || Bookkeeping.isBookkeeping(field)) {
                continue;
            }
            if (field.equals(versionField)) {
                kept.add(new CleanupPlan.KeptField(field, "the version field, shared by both shapes"));
                continue;
            }
            Optional<String> used = newFields.stream().filter(other -> overlaps(field, other)).findFirst();
            if (used.isPresent()) {
                kept.add(new CleanupPlan.KeptField(field, used.get().equals(field) ? "the new shape uses it too"
                        : "the new shape uses '" + used.get() + "'"));
                continue;
            }
            removed.add(field);
        }

        List<CleanupPlan.Field> fields = new ArrayList<>();
        long documents = 0;
        long oldOnly = 0;
        List<CleanupPlan.Index> indexes = List.of();
        if (exists) {
            for (String field : removed) {
                fields.add(new CleanupPlan.Field(field, collection.countDocuments(Filters.exists(field))));
            }
            documents = collection.countDocuments(updateFilter(removed));
            oldOnly = collection.countDocuments(Filters.and(Filters.exists(Bookkeeping.DELETED, false),
                    Filters.ne(Bookkeeping.SHAPES, Shape.NEW.tag())));
            indexes = indexes(collection).stream()
                    .filter(index -> index.keys().keySet().stream()
                            .allMatch(key -> removed.stream().anyMatch(field -> within(key, field))))
                    .toList();
        }
        else {
            removed.forEach(field -> fields.add(new CleanupPlan.Field(field, 0)));
        }
        if (scan.unreadable() > 0) {
            blockers.add(scan.unreadable() + (scan.unreadable() == 1 ? " document" : " documents")
                    + " of collection '" + name + "' cannot be read by the " + scan.shape().tag() + " shape's mapping "
                    + "(first: _id=" + scan.firstId() + "), so which of their fields belong to which shape cannot be "
                    + "told. Fix or remove them, then run the dry run again.");
        }
        if (oldOnly > 0) {
            blockers.add(oldOnly + (oldOnly == 1 ? " document" : " documents") + " of collection '" + name
                    + (oldOnly == 1 ? "' holds" : "' hold") + " only the old shape (never copied to the new one, so "
                    + "no instance in " + REQUIRED
                    + " sees them); removing their old fields would lose them. Copy them to the new shape (the copier"
                    + ") or delete them, verify, then run the dry run again.");
        }
        List<String> bookkeeping = List.of(
                Bookkeeping.SHAPES + " becomes [\"new\"] on the documents holding both shapes: they no longer hold "
                        + "the old one.",
                "'" + versionField + "', the version field, is shared by both shapes and stays.",
                "Tombstones (" + Bookkeeping.DELETED + ") left by deletes in the write-both phases stay; they hold no "
                        + "entity field.");
        List<String> content = new ArrayList<>(List.of("unset", migration.id(), name, String.valueOf(exists),
                "fields=" + removed));
        indexes.forEach(index -> content.add(index.name() + "=" + index.keys()));
        return new CleanupPlan(migration.id(), CleanupPlan.Kind.UNSET_FIELDS, name, exists, documents, indexes,
                fields, kept, bookkeeping, oldOnly, shared, live, blockers, token(content), now);
    }

    private CleanupResult unset(CleanupPlan plan, String by) {
        MongoCollection<Document> collection = database.getCollection(plan.collection());
        List<String> indexes = new ArrayList<>();
        for (CleanupPlan.Index index : plan.indexes()) {
            try {
                collection.dropIndex(index.name());
            }
            catch (MongoCommandException ex) {
                log.info("Index '{}' of collection '{}' was already gone: {}", index.name(), plan.collection(),
                        ex.getErrorMessage());
            }
            indexes.add(index.name());
        }
        List<String> fields = plan.fields().stream().map(CleanupPlan.Field::name).toList();
        long matched = 0;
        long modified = 0;
        if (plan.collectionExists()) {
            List<Bson> updates = new ArrayList<>();
            fields.forEach(field -> updates.add(Updates.unset(field)));
            updates.add(Updates.set(Bookkeeping.SHAPES, List.of(Shape.NEW.tag())));
            UpdateResult result = collection.updateMany(updateFilter(fields), Updates.combine(updates));
            matched = result.getMatchedCount();
            modified = result.getModifiedCount();
        }
        return new CleanupResult(plan.migrationId(), plan.kind(), plan.collection(), fields, indexes, matched,
                modified, record(plan, by, fields, indexes, modified));
    }

    /** The documents holding the new shape that still carry an old field or say they hold the old shape. */
    private static Bson updateFilter(List<String> fields) {
        List<Bson> carries = new ArrayList<>();
        fields.forEach(field -> carries.add(Filters.exists(field)));
        carries.add(Filters.eq(Bookkeeping.SHAPES, Shape.OLD.tag()));
        return Filters.and(Filters.eq(Bookkeeping.SHAPES, Shape.NEW.tag()), Filters.or(carries));
    }

    /** The fields a shape declares: its query fields, and for a Spring Data shape the domain type's properties. */
    private Set<String> declaredFields(Migration<?> migration, Shape shape) {
        ShapeDeclaration<?> declaration = migration.shape(shape);
        Set<String> fields = new TreeSet<>();
        declaration.fields().values().forEach(field -> fields.add(field.field()));
        if (declaration.isSpringDataMapped()) {
            MongoPersistentEntity<?> entity = mappingContext.getRequiredPersistentEntity(migration.domainType());
            entity.doWithProperties((MongoPersistentProperty property) -> {
                if (!property.isIdProperty() && !property.isVersionProperty()
                        && !property.getName().equals(migration.versionProperty())) {
                    fields.add(property.getFieldName());
                }
            });
        }
        return fields;
    }

    /**
     * Reads every live document holding the new shape: a document that also holds the old shape adds what the old
     * mapping writes for it to the old fields and what the new mapping writes to the new fields; a document holding the
     * new shape only (written in {@code READ_NEW_WRITE_NEW}, or already cleaned up) adds all its fields to the new
     * ones.
     */
    private Scan scan(PhasedStore<?> store, MongoCollection<Document> collection, Set<String> oldFields,
            Set<String> newFields) {
        long unreadable = 0;
        Object firstId = null;
        Shape failedShape = null;
        for (Document document : collection.find(Filters.and(Filters.exists(Bookkeeping.DELETED, false),
                Filters.eq(Bookkeeping.SHAPES, Shape.NEW.tag()))).batchSize(1000)) {
            if (!Bookkeeping.holdsShape(document, Shape.OLD)) {
                document.keySet().stream().filter(key -> !key.equals("_id") && !Bookkeeping.isBookkeeping(key))
                        .forEach(newFields::add);
                continue;
            }
            for (Shape shape : Shape.values()) {
                try {
                    (shape == Shape.OLD ? oldFields : newFields).addAll(store.convert(document, shape, shape).keySet());
                }
                catch (RuntimeException ex) {
                    log.debug("Cleanup dry run: the {} mapping cannot read _id={}: {}", shape.tag(),
                            document.get("_id"), ex.toString());
                    if (unreadable++ == 0) {
                        firstId = document.get("_id");
                        failedShape = shape;
                    }
                    break;
                }
            }
        }
        return new Scan(unreadable, firstId, failedShape);
    }

    /** What the dry run's scan could not read: how many documents, the first one and which mapping failed on it. */
    private record Scan(long unreadable, Object firstId, Shape shape) {
    }

    /** Whether removing one field would touch the other: the same field, or one inside the other. */
    static boolean overlaps(String field, String other) {
        return within(field, other) || within(other, field);
    }

    /** Whether {@code path} is {@code field} or lies inside it. */
    private static boolean within(String path, String field) {
        return path.equals(field) || path.startsWith(field + ".");
    }

    // ---------------------------------------------------------------- shared

    private boolean exists(String collection) {
        for (String name : database.listCollectionNames()) {
            if (name.equals(collection)) {
                return true;
            }
        }
        return false;
    }

    private static List<CleanupPlan.Index> indexes(MongoCollection<Document> collection) {
        Map<String, CleanupPlan.Index> indexes = new TreeMap<>();
        for (Document index : collection.listIndexes()) {
            Map<String, Object> keys = new LinkedHashMap<>();
            Object key = index.get("key");
            if (key instanceof Document document) {
                document.forEach(keys::put);
            }
            String name = String.valueOf(index.get("name"));
            indexes.put(name, new CleanupPlan.Index(name, keys));
        }
        return List.copyOf(indexes.values());
    }

    private CleanupRecord record(CleanupPlan plan, String by, List<String> fields, List<String> indexes,
            long documents) {
        CleanupRecord record = new CleanupRecord(new ObjectId().toHexString(), plan.migrationId(), clock.instant(),
                by, plan.kind(), plan.collection(), fields, indexes, documents, plan.token());
        history.insert(record);
        return record;
    }

    /** A short digest of what a plan removes. */
    private static String token(List<String> content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] hash = digest.digest(String.join("\n", content).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }
}
