package io.dualwrite.repair;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.bson.BsonArray;
import org.bson.BsonRegularExpression;
import org.bson.BsonUndefined;
import org.bson.Document;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Shape;
import io.dualwrite.internal.GuardedCopy;
import io.dualwrite.internal.PhasedStores;

/**
 * Repairs what one record describes: re-establishes the shape whose second write failed from the other shape (the
 * one the write protocol wrote first, so the one holding the acknowledged write) as it is now, with
 * {@link GuardedCopy#copy}: only over an older write, a deleted or removed source becoming a tombstone, so a repair
 * never overwrites a newer write and never brings a deleted entity back. It does not depend on the phase: the guard
 * decides from the versions stored.
 */
final class Repairer {

    /** How often a one-collection document that changed between read and write is read again within one attempt. */
    static final int CHANGED_RETRIES = 3;

    private final MigrationRegistry registry;

    private final PhasedStores stores;

    Repairer(MigrationRegistry registry, PhasedStores stores) {
        this.registry = registry;
        this.stores = stores;
    }

    /**
     * Repairs the record.
     *
     * @return the resolution (see {@link RepairRecord#resolution()})
     * @throws BadRecord when the record cannot be acted upon (undeclared migration, no usable entity id or shape)
     * @throws RuntimeException when the repair failed (the mapping, a unique index, MongoDB); it is tried again later
     */
    String repair(Document record, Instant now) {
        Object migrationField = record.get(RepairStore.MIGRATION);
        if (!(migrationField instanceof String migrationId)) {
            throw new BadRecord("the record names no migration (field 'migration': " + migrationField + ")");
        }
        Optional<Migration<?>> migration = registry.find(migrationId);
        if (migration.isEmpty()) {
            throw new BadRecord("no migration '" + migrationId + "' is declared in this application (declared: "
                    + (registry.ids().isEmpty() ? "none" : String.join(", ", registry.ids()))
                    + "); an application that declares it repairs it");
        }
        Object entityId = record.get(RepairStore.ENTITY_ID);
        if (entityId == null) {
            throw new BadRecord("the record has no entityId, so there is no entity to repair; compare the shapes with "
                    + "a verification, then set repaired: true on the record");
        }
        if (!usableAsId(entityId)) {
            throw new BadRecord("the record's entityId " + entityId + " (" + entityId.getClass().getSimpleName()
                    + ") cannot be a document _id; compare the shapes with a verification, then set repaired: true "
                    + "on the record");
        }
        Shape failed = shape(record.get(RepairStore.SHAPE));
        if (!(record.get(RepairStore.VERSION) instanceof Number version)) {
            throw new BadRecord("the record has no numeric version (field 'version': "
                    + record.get(RepairStore.VERSION) + ")");
        }
        GuardedCopy copy = new GuardedCopy(stores.forMigration(migrationId), failed.other());
        for (int attempt = 0; attempt < CHANGED_RETRIES; attempt++) {
            GuardedCopy.Outcome outcome = copy.copy(entityId, version.longValue(), now);
            switch (outcome) {
                case COPIED -> {
                    return "copied";
                }
                case TARGET_CURRENT -> {
                    return "already-current";
                }
                case DELETED_MEANWHILE -> {
                    return "deleted-meanwhile";
                }
                case NOTHING_TO_COPY -> {
                    return "nothing-to-copy";
                }
                case CHANGED -> {
                    // a concurrent write changed the document between the read and the write: read it again
                }
            }
        }
        throw new IllegalStateException("the document changed under the repair " + CHANGED_RETRIES
                + " times in a row (concurrent writes); it is tried again later");
    }

    private static Shape shape(Object tag) {
        for (Shape shape : Shape.values()) {
            if (shape.tag().equals(tag)) {
                return shape;
            }
        }
        throw new BadRecord("the record's shape " + (tag instanceof String ? "'" + tag + "'" : String.valueOf(tag))
                + " is neither 'old' nor 'new'");
    }

    /** Arrays, regular expressions and undefined cannot be an {@code _id}. */
    private static boolean usableAsId(Object id) {
        return !(id instanceof Collection<?> || id instanceof BsonArray
                || (id.getClass().isArray() && !(id instanceof byte[]))
                || id instanceof Pattern || id instanceof BsonRegularExpression || id instanceof BsonUndefined
                || (id instanceof Map<?, ?> map && map.keySet().stream().anyMatch(k -> String.valueOf(k)
                        .startsWith("$"))));
    }

    /** A record that cannot be acted upon as it is; retried only after the longest backoff. */
    static final class BadRecord extends RuntimeException {

        BadRecord(String message) {
            super(message);
        }
    }
}
