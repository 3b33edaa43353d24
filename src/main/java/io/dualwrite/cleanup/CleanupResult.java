package io.dualwrite.cleanup;

import java.util.List;

/**
 * What an executed cleanup removed.
 *
 * @param migrationId the migration
 * @param kind drop of the old collection, or removal of the old fields
 * @param collection the old shape's collection
 * @param fields the fields removed (same-collection migrations)
 * @param indexes the indexes dropped
 * @param documentsMatched the documents dropped with the collection, or those the update matched
 * @param documentsModified the documents dropped with the collection, or those the update changed (0 on a re-run)
 * @param record the durable record of this execution
 */
public record CleanupResult(String migrationId, CleanupPlan.Kind kind, String collection, List<String> fields,
        List<String> indexes, long documentsMatched, long documentsModified, CleanupRecord record) {

    public CleanupResult {
        fields = List.copyOf(fields);
        indexes = List.copyOf(indexes);
    }

    /** One sentence: what was removed. */
    public String summary() {
        if (kind == CleanupPlan.Kind.DROP_COLLECTION) {
            return documentsMatched == 0 && indexes.isEmpty()
                    ? "Collection '" + collection + "' was already gone; nothing was removed"
                    : "Dropped collection '" + collection + "' with " + documentsMatched + " documents and "
                            + indexes.size() + (indexes.size() == 1 ? " index" : " indexes");
        }
        String dropped = indexes.isEmpty() ? "" : "; dropped " + (indexes.size() == 1 ? "index " : "indexes ")
                + String.join(", ", indexes);
        return "Removed " + (fields.isEmpty() ? "no field" : String.join(", ", fields)) + " from " + documentsModified
                + " documents of collection '" + collection + "' (" + documentsMatched + " matched)" + dropped;
    }
}
