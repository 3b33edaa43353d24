package io.dualwrite.cleanup;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An executed cleanup, as recorded in {@code dualwrite.cleanup.collection} (default {@code dualwrite_cleanups}).
 *
 * @param id the record's id
 * @param migrationId the migration cleaned up
 * @param at when it was executed
 * @param by who executed it (a user name, or where it came from)
 * @param kind drop of the old collection, or removal of the old fields
 * @param collection the old shape's collection
 * @param fields the fields removed ({@link CleanupPlan.Kind#UNSET_FIELDS}), else empty
 * @param indexes the indexes dropped (with the collection, or those on removed fields only)
 * @param documents the documents dropped with the collection, or the documents whose old fields were removed
 * @param token the token of the dry run that was executed
 */
public record CleanupRecord(String id, String migrationId, Instant at, String by, CleanupPlan.Kind kind,
        String collection, List<String> fields, List<String> indexes, long documents, String token) {

    public CleanupRecord {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        fields = List.copyOf(fields);
        indexes = List.copyOf(indexes);
    }

    /** One line for operators: what was removed, when and by whom. */
    public String describe() {
        String what = kind == CleanupPlan.Kind.DROP_COLLECTION
                ? "dropped collection '" + collection + "' (" + documents + " documents)"
                : "removed " + (fields.isEmpty() ? "no field" : "fields " + String.join(", ", fields)) + " from "
                        + documents + " documents of collection '" + collection + "'";
        return "Migration '" + migrationId + "': " + what + " at " + at + " by " + by;
    }
}
