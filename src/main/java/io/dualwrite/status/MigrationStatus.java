package io.dualwrite.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.dualwrite.Phase;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.toggle.AuditEntry;

/**
 * Everything an operator needs to decide the next step of one migration, read at one moment: what the Actuator
 * endpoint {@code dualwrite} answers and the status page shows. Parts whose source is not available in this service
 * (no copier, no instance registry) are {@code null}; optional sections contributed by other parts of dualwrite are in
 * {@link #sections()}.
 *
 * @param migration the migration id
 * @param phase the shared phase and the one this instance acts on
 * @param steps the guard's answer for one step forward and one back (empty when the guard is not available)
 * @param instances the live instances and their phases; {@code null} without an instance registry
 * @param copy the active copy run, else the latest one; {@code null} when there was none or there is no copier
 * @param verification the active verification run, else the latest one; {@code null} when there was none
 * @param latestVerification the latest finished verification; {@code null} when none has finished
 * @param unrepaired failed second writes not repaired yet
 * @param health {@code UP}, or {@code DOWN} when an invariant is at risk (see {@link #problems()})
 * @param problems why the health is {@code DOWN}, one sentence each; empty when {@code UP}
 * @param audit the latest phase requests, newest first
 * @param sections optional parts (repairs, shadow reads, cleanup, …) by name, in the order their contributors run
 */
public record MigrationStatus(String migration, PhaseView phase, List<Step> steps, Instances instances, Run copy,
        Run verification, Verification latestVerification, long unrepaired, String health, List<String> problems,
        List<Audit> audit, Map<String, StatusSection> sections) {

    public MigrationStatus {
        steps = List.copyOf(steps);
        problems = List.copyOf(problems);
        audit = List.copyOf(audit);
        sections = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sections));
    }

    /** The step one phase forward, if the guard lists one. */
    public Step next() {
        return steps.stream().filter(step -> step.direction().equals(Step.NEXT)).findFirst().orElse(null);
    }

    /** The step one phase back, if the guard lists one. */
    public Step previous() {
        return steps.stream().filter(step -> step.direction().equals(Step.PREVIOUS)).findFirst().orElse(null);
    }

    /**
     * The phases.
     *
     * @param shared the phase the guard last accepted (or, before any was accepted, the one in the shared toggle
     *        state): what every instance converges on; {@code null} when unknown
     * @param sharedSince when it was accepted; {@code null} when unknown
     * @param sharedBy who asked for it; {@code null} when unknown
     * @param thisInstance the phase this instance acts on right now
     * @param conflict why this instance does not follow the shared toggle state, {@code null} when it does
     */
    public record PhaseView(Phase shared, @JsonInclude(JsonInclude.Include.NON_NULL) Instant sharedSince,
            @JsonInclude(JsonInclude.Include.NON_NULL) String sharedBy, Phase thisInstance,
            @JsonInclude(JsonInclude.Include.NON_NULL) String conflict) {
    }

    /**
     * A step the guard was asked about.
     *
     * @param direction {@value #NEXT} or {@value #PREVIOUS}
     * @param from the phase it starts from
     * @param to the phase it leads to
     * @param allowed whether the guard allows it now
     * @param reason when refused, why and what to do; when allowed, what it means (may be {@code null})
     */
    public record Step(String direction, Phase from, Phase to, boolean allowed, String reason) {

        /** A step forward. */
        public static final String NEXT = "next";

        /** A step back (a rollback). */
        public static final String PREVIOUS = "previous";
    }

    /**
     * The live instances.
     *
     * @param live how many are live
     * @param byPhase how many act on each phase (every phase listed, in order), plus {@code unknown} for instances that
     *        report no readable phase for this migration
     * @param adjacent whether all of them act on phases at most one step apart (the only mix the invariants allow)
     * @param list each instance, by id
     */
    public record Instances(int live, Map<String, Integer> byPhase, boolean adjacent, List<Instance> list) {

        public Instances {
            byPhase = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byPhase));
            list = List.copyOf(list);
        }
    }

    /**
     * One live instance.
     *
     * @param phase the phase it reports for this migration, or {@code null}
     * @param problem when it reports no phase, or one that is not a phase, the explanation; else {@code null}
     * @param self whether it is the instance answering
     */
    public record Instance(String id, String host, String applicationVersion, Phase phase,
            @JsonInclude(JsonInclude.Include.NON_NULL) String problem, Instant startedAt, Instant lastHeartbeat,
            boolean self) {
    }

    /**
     * A copy or verification run.
     *
     * @param percentDone between 0 and 100, one decimal
     * @param averageRate documents per second since it started
     * @param eta estimated time left ({@code 4m05s}), {@code null} when unknown or over
     * @param etaSeconds the same in seconds, {@code null} when unknown or over
     * @param rateLimit the run-wide limit in documents per second, 0 for none
     * @param allWritingBothAtStart copies: whether every live instance wrote both shapes when it started (only such a
     *        copy backs the switch to reading new)
     * @param startCondition why {@code allWritingBothAtStart} is what it is
     * @param clean finished verifications: whether it found nothing; {@code null} otherwise
     * @param differences verifications: problems of every kind found so far
     */
    public record Run(String id, String kind, String status, Instant startedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) Instant finishedAt, long processed, long estimatedTotal,
            double percentDone, double averageRate, @JsonInclude(JsonInclude.Include.NON_NULL) String eta,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long etaSeconds, double rateLimit, boolean active,
            boolean allWritingBothAtStart, String startCondition, String summary,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean clean,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long differences) {

        /** The view of a stored run at {@code now}. */
        public static Run of(JobRun run, Instant now) {
            Duration eta = run.eta(now);
            boolean verification = run.kind() == JobKind.VERIFY || run.kind() == JobKind.REVERSE_VERIFY;
            return new Run(run.id(), run.kind().tag(), run.status().name(), run.startedAt(), run.finishedAt(),
                    run.processed(), run.estimatedTotal(), Math.round(run.fractionDone() * 1000) / 10d,
                    Math.round(run.averageRate(now) * 10) / 10d, eta == null ? null : JobReport.format(eta),
                    eta == null ? null : eta.toSeconds(), run.rate(), run.status().isActive(),
                    run.allWritingBothAtStart(), run.startCondition(), JobReport.summary(run),
                    verification && !run.status().isActive() ? run.isClean() : null,
                    verification ? run.differences() : null);
        }
    }

    /**
     * The latest finished verification.
     *
     * @param clean whether it found no difference, nothing unconvertible and nothing unrepaired
     * @param differences problems of every kind it found
     */
    public record Verification(String id, Instant startedAt, Instant finishedAt, boolean clean, long differences,
            String summary) {

        /** The view of a finished verification run. */
        public static Verification of(JobRun run) {
            return new Verification(run.id(), run.startedAt(), run.finishedAt(), run.isClean(), run.differences(),
                    JobReport.summary(run));
        }
    }

    /** One entry of the phase audit log. */
    public record Audit(Instant at, String user, String via, Phase from, Phase to, String outcome, String reason) {

        /** The view of an audit entry. */
        public static Audit of(AuditEntry entry) {
            return new Audit(entry.at(), entry.user(), entry.via(), entry.from(), entry.to(), entry.outcome().name(),
                    entry.reason());
        }
    }
}
