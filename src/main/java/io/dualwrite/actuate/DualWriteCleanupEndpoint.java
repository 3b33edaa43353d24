package io.dualwrite.actuate;

import static io.dualwrite.actuate.EndpointErrors.error;
import static io.dualwrite.actuate.EndpointErrors.unknownMigration;

import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.cleanup.CleanupPlan;
import io.dualwrite.cleanup.CleanupRecord;
import io.dualwrite.cleanup.CleanupRefusedException;
import io.dualwrite.cleanup.CleanupResult;

/**
 * The Actuator endpoint {@code dualwritecleanup}: the dry run and the removal of a migration's old shape (runbook
 * step 6), behind dualwrite's admin login.
 * <ul>
 * <li>{@code GET /actuator/dualwritecleanup}: every migration, whether it was cleaned up and the latest cleanup;</li>
 * <li>{@code GET /actuator/dualwritecleanup/{migration}}: the dry run: what would be removed, whether it is allowed now
 * (and if not, why and what to do), and the {@code token} that identifies it. Changes nothing;</li>
 * <li>{@code POST /actuator/dualwritecleanup/{migration}} with {@code {"token": "..."}}: removes exactly what that dry
 * run listed.</li>
 * </ul>
 * Errors are JSON with a {@code message} and {@code "changed": false}: 404 for an unknown migration, 400 without a
 * token, 409 when the cleanup is refused (not allowed now, or the token no longer matches what a dry run finds).
 */
@WebEndpoint(id = DualWriteCleanupEndpoint.ID)
public class DualWriteCleanupEndpoint {

    /** The endpoint id, also its path under the Actuator base path. */
    public static final String ID = "dualwritecleanup";

    private final MigrationRegistry registry;

    private final Cleanup cleanup;

    public DualWriteCleanupEndpoint(MigrationRegistry registry, Cleanup cleanup) {
        this.registry = registry;
        this.cleanup = cleanup;
    }

    /** Every migration: cleaned up or not, and its latest cleanup. */
    @ReadOperation
    public Migrations migrations() {
        List<MigrationCleanup> migrations = new ArrayList<>();
        for (String id : registry.ids()) {
            CleanupRecord last = cleanup.lastCleanup(id).orElse(null);
            migrations.add(new MigrationCleanup(id, last != null, last == null ? null : RecordView.of(last)));
        }
        return new Migrations(migrations);
    }

    /** The dry run of one migration; 404 when it is not declared. */
    @ReadOperation
    public WebEndpointResponse<Object> plan(@Selector String migration) {
        if (registry.find(migration).isEmpty()) {
            return unknownMigration(WebEndpointResponse.STATUS_NOT_FOUND, registry, migration);
        }
        CleanupPlan plan = cleanup.plan(migration);
        return new WebEndpointResponse<>(PlanView.of(plan, cleanup.lastCleanup(migration).orElse(null)));
    }

    /**
     * Removes the old shape as the dry run with this token listed it.
     *
     * @param migration the migration id (path)
     * @param token the {@code token} of the dry run
     */
    @WriteOperation
    public WebEndpointResponse<Object> execute(@Selector String migration, @Nullable String token,
            SecurityContext securityContext) {
        if (registry.find(migration).isEmpty()) {
            return unknownMigration(WebEndpointResponse.STATUS_NOT_FOUND, registry, migration);
        }
        if (token == null || token.isBlank()) {
            return error(WebEndpointResponse.STATUS_BAD_REQUEST, "token is required: GET /actuator/" + ID + "/"
                    + migration + " for the dry run, check what it lists, then POST {\"token\": \"<its token>\"}");
        }
        try {
            Principal principal = securityContext.getPrincipal();
            String by = principal != null ? principal.getName() : "an anonymous caller";
            CleanupResult result = cleanup.execute(migration, token, by + " (Actuator endpoint " + ID + ")");
            return new WebEndpointResponse<>(ResultView.of(result));
        }
        catch (CleanupRefusedException ex) {
            return error(DualWriteEndpoint.STATUS_CONFLICT, ex.getMessage(), ex.reasons());
        }
        catch (IllegalArgumentException ex) {
            return error(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getMessage());
        }
    }

    /** The answer of {@code GET} without a migration. */
    public record Migrations(List<MigrationCleanup> migrations) {
    }

    /** One migration: cleaned up or not, and its latest cleanup (null when none). */
    public record MigrationCleanup(String migration, boolean cleanedUp, RecordView lastCleanup) {
    }

    /** The dry run, for JSON. */
    public record PlanView(String migration, String kind, String collection, boolean collectionExists,
            String summary, long documents, List<IndexView> indexes, List<FieldView> fields,
            List<KeptFieldView> keptFields, List<String> bookkeeping, long oldOnlyDocuments, String sharedPhase,
            String instances, boolean allowed, List<String> blockers, boolean nothingToRemove, String token,
            String at, boolean cleanedUp, RecordView lastCleanup) {

        static PlanView of(CleanupPlan plan, CleanupRecord last) {
            return new PlanView(plan.migrationId(), plan.kind().name(), plan.collection(), plan.collectionExists(),
                    plan.summary(), plan.documents(),
                    plan.indexes().stream().map(index -> new IndexView(index.name(), plainKeys(index.keys())))
                            .toList(),
                    plan.fields().stream().map(field -> new FieldView(field.name(), field.documents())).toList(),
                    plan.keptFields().stream().map(field -> new KeptFieldView(field.name(), field.reason()))
                            .toList(),
                    plan.bookkeeping(), plan.oldOnlyDocuments(),
                    plan.sharedPhase() == null ? null : plan.sharedPhase().name(), plan.instances(), plan.allowed(),
                    plan.blockers(), plan.nothingToRemove(), plan.token(), plan.at().toString(), last != null,
                    last == null ? null : RecordView.of(last));
        }

        private static Map<String, Object> plainKeys(Map<String, Object> keys) {
            Map<String, Object> plain = new LinkedHashMap<>();
            keys.forEach((key, value) -> plain.put(key, DualWriteJobsEndpoint.plain(value)));
            return plain;
        }
    }

    /** An index to drop. */
    public record IndexView(String name, Map<String, Object> keys) {
    }

    /** A field to remove, and how many documents carry it. */
    public record FieldView(String name, long documents) {
    }

    /** An old-shape field that stays, and why. */
    public record KeptFieldView(String name, String reason) {
    }

    /** The answer of a successful {@code POST}. */
    public record ResultView(String migration, String kind, String collection, String message, List<String> fields,
            List<String> indexes, long documentsMatched, long documentsModified, RecordView record) {

        static ResultView of(CleanupResult result) {
            return new ResultView(result.migrationId(), result.kind().name(), result.collection(), result.summary(),
                    result.fields(), result.indexes(), result.documentsMatched(), result.documentsModified(),
                    RecordView.of(result.record()));
        }
    }

    /** An executed cleanup, for JSON. */
    public record RecordView(String id, String at, String by, String kind, String collection, List<String> fields,
            List<String> indexes, long documents, String token, String description) {

        static RecordView of(CleanupRecord record) {
            return new RecordView(record.id(), record.at().toString(), record.by(), record.kind().name(),
                    record.collection(), record.fields(), record.indexes(), record.documents(), record.token(),
                    record.describe());
        }
    }
}
