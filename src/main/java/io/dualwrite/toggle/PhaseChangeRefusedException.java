package io.dualwrite.toggle;

import io.dualwrite.Phase;

/**
 * A phase change the guard refused. Nothing was stored. The message says why and what to do; it is what the console,
 * the Actuator endpoint and the status page show the operator, and what the audit log records.
 */
public class PhaseChangeRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String migrationId;

    private final Phase from;

    private final Phase to;

    private final String reason;

    /**
     * @param migrationId the migration
     * @param from the accepted phase, {@code null} when none
     * @param to the requested phase, {@code null} when the request named none
     * @param reason why it was refused and what to do
     */
    public PhaseChangeRefusedException(String migrationId, Phase from, Phase to, String reason) {
        super("Refused to move migration '" + migrationId + "' from " + from + " to " + to + ": " + reason);
        this.migrationId = migrationId;
        this.from = from;
        this.to = to;
        this.reason = reason;
    }

    /** The migration. */
    public String migrationId() {
        return migrationId;
    }

    /** The accepted phase when the request was refused. */
    public Phase from() {
        return from;
    }

    /** The requested phase. */
    public Phase to() {
        return to;
    }

    /** Why, and what to do, without the "Refused to move" prefix. */
    public String reason() {
        return reason;
    }
}
