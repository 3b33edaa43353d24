package io.dualwrite.cleanup;

import java.util.List;

/**
 * A cleanup that was not carried out: it is not allowed right now, or the plan it was given no longer matches what a
 * dry run finds. Nothing was removed. The message says what was wrong and what to do.
 */
public final class CleanupRefusedException extends RuntimeException {

    private final String migrationId;

    private final List<String> reasons;

    private CleanupRefusedException(String migrationId, String message, List<String> reasons) {
        super(message);
        this.migrationId = migrationId;
        this.reasons = List.copyOf(reasons);
    }

    /** Refused because the plan's {@link CleanupPlan#blockers() blockers} are not cleared. */
    static CleanupRefusedException notAllowed(String migrationId, List<String> blockers) {
        return new CleanupRefusedException(migrationId, "Cleanup of migration '" + migrationId
                + "' refused, nothing was removed: " + String.join(" ", blockers), blockers);
    }

    /** Refused because the token does not belong to the plan a dry run finds now. */
    static CleanupRefusedException staleToken(String migrationId, String given, String current) {
        String reason = "the token '" + given + "' does not match what a dry run finds now (token '" + current
                + "'): what would be removed has changed since that dry run, or the token belongs to another "
                + "migration. Run the dry run again, check what it lists, and execute with its token.";
        return new CleanupRefusedException(migrationId, "Cleanup of migration '" + migrationId
                + "' refused, nothing was removed: " + reason, List.of(reason));
    }

    /** The migration whose cleanup was refused. */
    public String migrationId() {
        return migrationId;
    }

    /** Each reason in a sentence that says what to do. */
    public List<String> reasons() {
        return reasons;
    }
}
