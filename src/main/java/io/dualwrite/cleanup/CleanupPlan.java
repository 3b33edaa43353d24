package io.dualwrite.cleanup;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.dualwrite.Phase;

/**
 * The dry run of a cleanup: exactly what {@link Cleanup#execute} would remove, whether it is allowed right now and,
 * if not, why and what to do. Its {@link #token()} identifies what would be removed; executing with it removes exactly
 * that, and is refused once a new dry run would list something else.
 *
 * @param migrationId the migration
 * @param kind drop the old collection (two collections) or remove the old fields (same collection)
 * @param collection the old shape's collection
 * @param collectionExists whether that collection exists ({@link Kind#DROP_COLLECTION}; always true for
 *        {@link Kind#UNSET_FIELDS} unless the collection is gone)
 * @param documents {@link Kind#DROP_COLLECTION}: the documents in the old collection; {@link Kind#UNSET_FIELDS}: the
 *        documents the update changes (they carry an old field or still say they hold the old shape)
 * @param indexes the indexes dropped: every index of the old collection, or the indexes whose every key is a removed
 *        field
 * @param fields {@link Kind#UNSET_FIELDS}: the old-shape fields removed, with how many documents carry each
 * @param keptFields {@link Kind#UNSET_FIELDS}: old-shape fields left in place, with the reason (the new shape uses them
 *        too, or they are the version or {@code _id})
 * @param bookkeeping what happens to the layer's own fields, one sentence each
 * @param oldOnlyDocuments {@link Kind#UNSET_FIELDS}: documents that hold the old shape only (never copied to the new
 *        one); removing their old fields would lose them, so they block the cleanup
 * @param sharedPhase the phase stored in the shared toggle, {@code null} when it cannot be read
 * @param instances what the instance registry says about the live instances, in a sentence
 * @param blockers why the cleanup is not allowed right now, each with what to do; empty when it is allowed
 * @param token identifies what would be removed; pass it to {@link Cleanup#execute}
 * @param at when the dry run was made
 */
public record CleanupPlan(String migrationId, Kind kind, String collection, boolean collectionExists, long documents,
        List<Index> indexes, List<Field> fields, List<KeptField> keptFields, List<String> bookkeeping,
        long oldOnlyDocuments, Phase sharedPhase, String instances, List<String> blockers, String token, Instant at) {

    public CleanupPlan {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(kind, "kind");
        indexes = List.copyOf(indexes);
        fields = List.copyOf(fields);
        keptFields = List.copyOf(keptFields);
        bookkeeping = List.copyOf(bookkeeping);
        blockers = List.copyOf(blockers);
    }

    /** How the old shape is removed. */
    public enum Kind {

        /** Two collections: the old collection is dropped. */
        DROP_COLLECTION,

        /** One collection: the old shape's fields are removed from its documents with one {@code $unset}. */
        UNSET_FIELDS
    }

    /**
     * An old-shape field to remove.
     *
     * @param name the document field (dot path)
     * @param documents how many documents carry it now
     */
    public record Field(String name, long documents) {
    }

    /**
     * An old-shape field that stays.
     *
     * @param name the document field
     * @param reason why it stays
     */
    public record KeptField(String name, String reason) {
    }

    /**
     * An index to drop.
     *
     * @param name the index name
     * @param keys the index keys, in order, with their direction or type ({@code 1}, {@code -1}, {@code "text"}, ...)
     */
    public record Index(String name, Map<String, Object> keys) {

        public Index {
            keys = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(keys));
        }
    }

    /** Whether the cleanup may be executed right now. */
    public boolean allowed() {
        return blockers.isEmpty();
    }

    /** Whether executing it would remove nothing (already cleaned up, or the old shape left nothing behind). */
    public boolean nothingToRemove() {
        if (kind == Kind.DROP_COLLECTION) {
            return !collectionExists;
        }
        return documents == 0 && indexes.isEmpty();
    }

    /** One sentence: what would be removed. */
    public String summary() {
        if (kind == Kind.DROP_COLLECTION) {
            if (!collectionExists) {
                return "Collection '" + collection + "' does not exist (already dropped): nothing to remove";
            }
            return "Drop collection '" + collection + "' (" + documents + " documents, " + indexes.size()
                    + (indexes.size() == 1 ? " index)" : " indexes)");
        }
        String names = fields.isEmpty() ? "no field" : "fields " + String.join(", ",
                fields.stream().map(Field::name).toList());
        String dropped = indexes.isEmpty() ? "" : " and drop " + (indexes.size() == 1 ? "index " : "indexes ")
                + String.join(", ", indexes.stream().map(Index::name).toList());
        return "Remove " + names + " from " + documents + " documents of collection '" + collection + "'" + dropped;
    }
}
