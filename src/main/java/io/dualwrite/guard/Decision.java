package io.dualwrite.guard;

import io.dualwrite.Phase;

/**
 * The guard's answer for one requested phase change.
 *
 * @param migrationId the migration
 * @param from the accepted phase the change starts from; {@code null} when none was accepted yet
 * @param to the requested phase
 * @param allowed whether the change may be made now
 * @param reason when refused, why and what to do; when allowed, what the change means for the operator (may be
 *        {@code null})
 */
public record Decision(String migrationId, Phase from, Phase to, boolean allowed, String reason) {

    static Decision allow(String migrationId, Phase from, Phase to, String note) {
        return new Decision(migrationId, from, to, true, note);
    }

    static Decision refuse(String migrationId, Phase from, Phase to, String reason) {
        return new Decision(migrationId, from, to, false, reason);
    }
}
