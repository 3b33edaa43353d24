package io.dualwrite.toggle;

import java.time.Instant;

import io.dualwrite.Phase;

/**
 * One entry of the phase audit log ({@link PhaseHistory}).
 *
 * @param migrationId the migration
 * @param at when the request was decided
 * @param user who asked (the logged-in user, the name given to the Java API, or {@code dualwrite} for an adoption)
 * @param via where the request came from: {@code console}, {@code api}, {@code java}, {@code status-page},
 *        {@code startup}
 * @param from the accepted phase before the request; {@code null} when none was accepted yet
 * @param to the requested phase; {@code null} when the request did not name a valid one
 * @param outcome what happened
 * @param reason why it was refused or failed, or a note on an accepted change; may be {@code null}
 */
public record AuditEntry(String migrationId, Instant at, String user, String via, Phase from, Phase to,
        Outcome outcome, String reason) {

    /** What became of a request. */
    public enum Outcome {

        /** The change was stored and every instance acts on it within the toggle staleness. */
        ACCEPTED,

        /** The guard refused the change; nothing was stored. */
        REFUSED,

        /** The change was allowed but could not be stored; nothing was changed. */
        FAILED,

        /** An instance found a valid toggle state with no accepted phase yet and took it as the accepted phase. */
        ADOPTED
    }
}
