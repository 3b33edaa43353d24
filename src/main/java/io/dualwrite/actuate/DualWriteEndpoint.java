package io.dualwrite.actuate;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import io.dualwrite.status.MigrationStatus;
import io.dualwrite.status.StatusService;
import io.dualwrite.status.StatusService.PhaseChange;

/**
 * The Actuator endpoint {@code dualwrite}: the full status of every migration, and phase changes through the guard.
 * <ul>
 * <li>{@code GET /actuator/dualwrite}: every migration's {@link MigrationStatus};</li>
 * <li>{@code GET /actuator/dualwrite/{migration}}: one; 404 when it is not declared;</li>
 * <li>{@code POST /actuator/dualwrite/{migration}} with {@code {"phase": "READ_OLD_WRITE_BOTH"}}: asks for the phase
 * change as the signed-in user (audit {@code via: api}). 200 with the change and the new status; 409 when the guard
 * refuses it (its reason in {@code error}, the allowed steps in {@code steps}); 400 when the phase is missing or not a
 * phase; 404 when the migration is not declared; 503 when it could not be stored. Nothing changes unless 200.</li>
 * </ul>
 * Behind dualwrite's admin login like {@code dualwritejobs}; a {@code POST} needs the CSRF token
 * ({@code GET /dualwrite/csrf}).
 */
@WebEndpoint(id = DualWriteEndpoint.ID)
public class DualWriteEndpoint {

    /** The endpoint id, also its path under the Actuator base path. */
    public static final String ID = "dualwrite";

    /** HTTP 409 Conflict: the guard refused the change (Actuator names no constant for it). */
    static final int STATUS_CONFLICT = 409;

    /** The audit log's {@code via} for changes requested here. */
    public static final String VIA = "api";

    private final StatusService status;

    /** @param status reads the statuses and requests the changes */
    public DualWriteEndpoint(StatusService status) {
        this.status = Objects.requireNonNull(status, "status");
    }

    /** Every migration. */
    @ReadOperation
    public Migrations migrations() {
        return new Migrations(status.statuses());
    }

    /** One migration; 404 when it is not declared. */
    @ReadOperation
    public WebEndpointResponse<Object> migration(@Selector String migration) {
        if (!status.isDeclared(migration)) {
            return error(WebEndpointResponse.STATUS_NOT_FOUND, "UNKNOWN_MIGRATION", migration, null, null,
                    status.unknownMigration(migration), null);
        }
        return new WebEndpointResponse<>(status.status(migration));
    }

    /**
     * Asks for a phase change.
     *
     * @param migration the migration id (path)
     * @param phase the phase to move to (JSON body)
     * @param security who asks (recorded in the audit log)
     */
    @WriteOperation
    public WebEndpointResponse<Object> requestPhase(@Selector String migration, @Nullable String phase,
            SecurityContext security) {
        PhaseChange change = status.requestPhase(migration, phase, user(security), VIA);
        return switch (change.outcome()) {
            case ACCEPTED -> new WebEndpointResponse<>(new Changed(change.outcome().name(), change.migration(),
                    change.from(), change.to(), change.message(), status.status(migration)));
            case REFUSED -> error(STATUS_CONFLICT, change, status.status(migration).steps());
            case INVALID_PHASE -> error(WebEndpointResponse.STATUS_BAD_REQUEST, change, null);
            case UNKNOWN_MIGRATION -> error(WebEndpointResponse.STATUS_NOT_FOUND, change, null);
            case FAILED -> error(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, change, null);
        };
    }

    private static String user(SecurityContext security) {
        Principal principal = security == null ? null : security.getPrincipal();
        return principal == null ? "anonymous" : principal.getName();
    }

    private static WebEndpointResponse<Object> error(int status, PhaseChange change,
            List<MigrationStatus.Step> steps) {
        return error(status, change.outcome().name(), change.migration(), change.from() == null ? null
                : change.from().name(), change.to() == null ? null : change.to().name(), change.message(), steps);
    }

    private static WebEndpointResponse<Object> error(int status, String outcome, String migration, String from,
            String to, String message, List<MigrationStatus.Step> steps) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        body.put("outcome", outcome);
        body.put("migration", migration);
        if (from != null) {
            body.put("from", from);
        }
        if (to != null) {
            body.put("to", to);
        }
        body.put("changed", false);
        if (steps != null) {
            body.put("steps", steps);
        }
        return new WebEndpointResponse<>(body, status);
    }

    /** The answer of {@code GET /actuator/dualwrite}. */
    public record Migrations(List<MigrationStatus> migrations) {
    }

    /** The answer to an accepted phase change: what changed, and the status after it. */
    public record Changed(String outcome, String migration, io.dualwrite.Phase from, io.dualwrite.Phase to,
            String message, MigrationStatus status) {
    }
}
