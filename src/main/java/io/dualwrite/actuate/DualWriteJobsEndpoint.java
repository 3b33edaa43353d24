package io.dualwrite.actuate;

import static io.dualwrite.actuate.EndpointErrors.error;
import static io.dualwrite.actuate.EndpointErrors.unknownMigration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.bson.types.ObjectId;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.DeadLetter;
import io.dualwrite.copier.Difference;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobOperations;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Verifier;
import io.dualwrite.spi.PhaseSource;

/**
 * The Actuator endpoint {@code dualwritejobs}: the copy and verification runs of every migration (and the reverse
 * ones, for a rollback from {@code READ_NEW_WRITE_NEW}), and control of the active one.
 * <ul>
 * <li>{@code GET /actuator/dualwritejobs}: every migration's phase, active and latest finished copy and verification,
 * reverse copy and reverse verification, and dead-letter counts;</li>
 * <li>{@code GET /actuator/dualwritejobs/{migration}}: the same for one migration in full, with the verification's
 * examples (field diffs) and the first {@value #DEAD_LETTERS_SHOWN} dead letters;</li>
 * <li>{@code POST /actuator/dualwritejobs/{migration}} with a JSON body
 * {@code {"action": "start|pause|resume|cancel|rate", "job": "copy|verify|reverse-copy|reverse-verify", "rate": n,
 * "workers": n}}: starts a run
 * with workers in this process, or changes the active run (for every process working on it).</li>
 * </ul>
 * Bad input (an unknown migration, action or job, a bad number, no active run to change) is answered with 400 and a
 * JSON {@code message}, and changes nothing; an unknown migration on {@code GET} with 404.
 */
@WebEndpoint(id = DualWriteJobsEndpoint.ID)
public class DualWriteJobsEndpoint {

    /** The endpoint id, also its path under the Actuator base path. */
    public static final String ID = "dualwritejobs";

    /** How many dead letters the details list. */
    public static final int DEAD_LETTERS_SHOWN = 20;

    private final MigrationRegistry registry;

    private final PhaseSource phases;

    private final Copier copier;

    private final Verifier verifier;

    private final ReverseCopier reverseCopier;

    private final ReverseVerifier reverseVerifier;

    private final Clock clock;

    public DualWriteJobsEndpoint(MigrationRegistry registry, PhaseSource phases, Copier copier, Verifier verifier,
            ReverseCopier reverseCopier, ReverseVerifier reverseVerifier, Clock clock) {
        this.registry = registry;
        this.phases = phases;
        this.copier = copier;
        this.verifier = verifier;
        this.reverseCopier = reverseCopier;
        this.reverseVerifier = reverseVerifier;
        this.clock = clock;
    }

    /** Every migration, briefly. */
    @ReadOperation
    public Migrations migrations() {
        Instant now = clock.instant();
        List<MigrationJobs> migrations = new ArrayList<>();
        for (String id : registry.ids()) {
            migrations.add(migration(id, now, false));
        }
        return new Migrations(migrations);
    }

    /** One migration in full; 404 when it is not declared. */
    @ReadOperation
    public WebEndpointResponse<Object> migration(@Selector String migration) {
        if (registry.find(migration).isEmpty()) {
            return unknownMigration(WebEndpointResponse.STATUS_NOT_FOUND, registry, migration);
        }
        return new WebEndpointResponse<>(migration(migration, clock.instant(), true));
    }

    /**
     * Starts a run or changes the active one.
     *
     * @param migration the migration id (path)
     * @param action {@code start}, {@code pause}, {@code resume}, {@code cancel} or {@code rate}
     * @param job {@code copy} (default), {@code verify}, {@code reverse-copy} or {@code reverse-verify}
     * @param rate for {@code rate}: documents per second for the whole run, 0 for none; for {@code start}: the
     * limit of a new run
     * @param workers for {@code start}: worker threads in this process
     */
    @WriteOperation
    public WebEndpointResponse<Object> control(@Selector String migration, @Nullable String action,
            @Nullable String job, @Nullable String rate, @Nullable String workers) {
        if (registry.find(migration).isEmpty()) {
            return unknownMigration(WebEndpointResponse.STATUS_BAD_REQUEST, registry, migration);
        }
        JobKind kind;
        try {
            kind = JobKind.fromTag(job == null ? "copy" : job.trim().toLowerCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            return badRequest("job must be " + JobKind.tags() + ", got '" + job + "'");
        }
        JobOperations operations = switch (kind) {
            case COPY -> copier;
            case VERIFY -> verifier;
            case REVERSE_COPY -> reverseCopier;
            case REVERSE_VERIFY -> reverseVerifier;
        };
        if (action == null || action.isBlank()) {
            return badRequest("action is required: one of start, pause, resume, cancel, rate");
        }
        try {
            JobRun run;
            String message;
            switch (action.trim().toLowerCase(Locale.ROOT)) {
                case "start" -> {
                    JobOptions options = operations.defaults();
                    if (workers != null) {
                        options = options.withWorkers(integer("workers", workers));
                    }
                    if (rate != null) {
                        options = options.withRate(number("rate", rate));
                    }
                    run = operations.start(migration, options).run();
                    message = "Working on " + kind.tag() + " run " + run.id() + " with " + options.workers()
                            + " worker(s) in this process";
                }
                case "pause" -> {
                    run = operations.pause(migration);
                    message = "Paused " + kind.tag() + " run " + run.id();
                }
                case "resume" -> {
                    run = operations.resume(migration);
                    message = "Resumed " + kind.tag() + " run " + run.id();
                }
                case "cancel" -> {
                    run = operations.cancel(migration);
                    message = "Cancelled " + kind.tag() + " run " + run.id();
                }
                case "rate" -> {
                    if (rate == null) {
                        return badRequest("rate is required for action rate: documents per second, 0 for none");
                    }
                    run = operations.setRate(migration, number("rate", rate));
                    message = "Set the rate limit of " + kind.tag() + " run " + run.id() + " to "
                            + (run.rate() > 0 ? String.format(Locale.ROOT, "%.0f documents/s", run.rate()) : "none");
                }
                default -> {
                    return badRequest("action must be one of start, pause, resume, cancel, rate; got '" + action
                            + "'");
                }
            }
            return new WebEndpointResponse<>(new ControlResult(migration, kind.tag(), action.trim()
                    .toLowerCase(Locale.ROOT), message, RunView.of(run, clock.instant(), false)));
        }
        catch (IllegalArgumentException | IllegalStateException ex) {
            return badRequest(ex.getMessage());
        }
    }

    private MigrationJobs migration(String id, Instant now, boolean details) {
        long deadLetterCount = copier.deadLetterCount(id);
        List<DeadLetterView> deadLetters = details
                ? copier.deadLetters(id, DEAD_LETTERS_SHOWN).stream().map(DeadLetterView::of).toList()
                : null;
        List<DeadLetterView> reverseDeadLetters = details
                ? reverseCopier.deadLetters(id, DEAD_LETTERS_SHOWN).stream().map(DeadLetterView::of).toList()
                : null;
        return new MigrationJobs(id, phases.currentPhase(id).name(), jobs(copier, id, now, details),
                jobs(verifier, id, now, details), deadLetterCount, deadLetters, jobs(reverseCopier, id, now, details),
                jobs(reverseVerifier, id, now, details), reverseCopier.deadLetterCount(id), reverseDeadLetters);
    }

    private static Jobs jobs(JobOperations operations, String id, Instant now, boolean details) {
        Optional<JobRun> latest = operations.latest(id);
        return new Jobs(operations.active(id).map(run -> RunView.of(run, now, details)).orElse(null),
                operations.latestFinished(id).map(run -> RunView.of(run, now, details)).orElse(null),
                latest.map(run -> RunView.of(run, now, false)).orElse(null));
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    private static double number(String name, String value) {
        try {
            double number = Double.parseDouble(value.trim());
            if (number < 0 || Double.isNaN(number) || Double.isInfinite(number)) {
                throw new IllegalArgumentException(name + " must be 0 (no limit) or a positive number of documents "
                        + "per second, got " + value);
            }
            return number;
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }

    private static WebEndpointResponse<Object> badRequest(String message) {
        return error(WebEndpointResponse.STATUS_BAD_REQUEST, message);
    }

    /** A value for JSON: strings, numbers, booleans and null as they are; anything else as text. */
    static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        return value instanceof ObjectId id ? id.toHexString() : String.valueOf(value);
    }

    /** The answer of {@code GET}. */
    public record Migrations(List<MigrationJobs> migrations) {
    }

    /**
     * One migration's jobs.
     *
     * @param deadLetters the first dead letters of the copy, in the details only
     * @param reverseCopy the reverse copy runs (new to old, for a rollback from {@code READ_NEW_WRITE_NEW})
     * @param reverseVerify the reverse verification runs
     * @param reverseDeadLetterCount dead letters of the reverse copy (new documents it could not write to old)
     * @param reverseDeadLetters the first of them, in the details only
     */
    public record MigrationJobs(String migration, String phase, Jobs copy, Jobs verify, long deadLetterCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<DeadLetterView> deadLetters, Jobs reverseCopy,
            Jobs reverseVerify, long reverseDeadLetterCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<DeadLetterView> reverseDeadLetters) {
    }

    /** The runs of one kind: the active one, the latest finished one, and the latest whatever its status. */
    public record Jobs(RunView active, RunView latestFinished, RunView latest) {
    }

    /** The answer of a successful {@code POST}. */
    public record ControlResult(String migration, String job, String action, String message, RunView run) {
    }

    /**
     * A run, for JSON.
     *
     * @param eta estimated time left ("4m05s"), null when unknown or over
     * @param clean verifications (either way): whether it finished and found nothing; null for copies
     * @param handedEverythingBack reverse copies, once over: whether the run handed every entity back to the old
     * shape ({@link JobRun#handedEverythingBack()}); null otherwise
     * @param examples verifications, in the details: differences with their field diffs
     */
    public record RunView(String id, String kind, String status, String startedAt, String finishedAt,
            String startedBy, String phaseAtStart, boolean allWritingBothAtStart, String startCondition,
            long estimatedTotal, long processed, double percentDone, double averageRate, String eta, int partitions,
            int partitionsDone, double rate, Map<String, Long> counts, String summary,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean clean,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean handedEverythingBack,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<DifferenceView> examples) {

        static RunView of(JobRun run, Instant now, boolean details) {
            Duration eta = run.eta(now);
            Boolean clean = run.kind().isVerification() && !run.status().isActive() ? run.isClean() : null;
            Boolean handedBack = run.kind() == JobKind.REVERSE_COPY && !run.status().isActive()
                    ? run.handedEverythingBack() : null;
            return new RunView(run.id(), run.kind().tag(), run.status().name(), text(run.startedAt()),
                    text(run.finishedAt()), run.startedBy(), run.phaseAtStart().name(), run.allWritingBothAtStart(),
                    run.startCondition(), run.estimatedTotal(), run.processed(),
                    Math.round(run.fractionDone() * 1000) / 10d, Math.round(run.averageRate(now) * 10) / 10d,
                    eta == null ? null : JobReport.format(eta), run.partitions(), run.partitionsDone(), run.rate(),
                    new TreeMap<>(run.counts()), JobReport.summary(run), clean, handedBack,
                    details ? run.examples().stream().map(DifferenceView::of).toList() : null);
        }

        private static String text(Instant instant) {
            return instant == null ? null : instant.toString();
        }
    }

    /** A difference the verifier found. */
    public record DifferenceView(Object id, String kind, String detail, List<FieldView> fields) {

        static DifferenceView of(Difference difference) {
            return new DifferenceView(plain(difference.id()), difference.kind(), difference.detail(),
                    difference.fields().stream().map(field -> new FieldView(field.field(), plain(field.expected()),
                            plain(field.actual()))).toList());
        }
    }

    /** A field that differs: what mapping the old document gives, and what the new shape holds. */
    public record FieldView(String field, Object expected, Object actual) {
    }

    /** A document the copier could not copy. */
    public record DeadLetterView(Object documentId, String run, String error, String at) {

        static DeadLetterView of(DeadLetter letter) {
            return new DeadLetterView(plain(letter.documentId()), letter.runId(), letter.error(),
                    letter.at().toString());
        }
    }
}
