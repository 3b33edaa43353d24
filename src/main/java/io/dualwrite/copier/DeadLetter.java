package io.dualwrite.copier;

import java.time.Instant;

/**
 * A source document the copier could not write to the target shape.
 *
 * @param migrationId the migration
 * @param documentId the source document's {@code _id}
 * @param runId the run that last failed on it
 * @param error what went wrong, from the mapping or the database
 * @param at when
 */
public record DeadLetter(String migrationId, Object documentId, String runId, String error, Instant at) {
}
