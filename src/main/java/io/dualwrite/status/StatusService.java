package io.dualwrite.status;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobOperations;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.Verifier;
import io.dualwrite.guard.Decision;
import io.dualwrite.guard.PhaseGuard;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.InstanceStatus;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.PhaseChangeRefusedException;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseHistory.AcceptedPhase;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.TogglzPhaseSource;

/**
 * Reads the full status of each migration ({@link MigrationStatus}) and carries out the operator's requests from the
 * Actuator endpoint and the status page: a phase change (through {@link PhaseToggles}, so the guard checks it and the
 * audit log records it) and copier or verifier control. Every read goes to the sources (no cache): an operator about
 * to act sees the current state. Each source is optional; what is absent in this service is left out of the status.
 */
public final class StatusService {

    private static final Logger log = LoggerFactory.getLogger(StatusService.class);

    private final MigrationRegistry registry;

    private final PhaseSource phaseSource;

    private final Clock clock;

    private final TogglzPhaseSource togglz;

    private final PhaseGuard guard;

    private final PhaseToggles toggles;

    private final PhaseHistory history;

    private final InstanceRegistry instances;

    private final Copier copier;

    private final Verifier verifier;

    private final UnrepairedWrites unrepaired;

    private final List<StatusContributor> contributors;

    private final int auditEntries;

    private StatusService(Builder builder) {
        this.registry = builder.registry;
        this.phaseSource = builder.phaseSource;
        this.clock = builder.clock;
        this.togglz = builder.togglz;
        this.guard = builder.guard;
        this.toggles = builder.toggles;
        this.history = builder.history;
        this.instances = builder.instances;
        this.copier = builder.copier;
        this.verifier = builder.verifier;
        this.unrepaired = builder.unrepaired == null ? id -> 0L : builder.unrepaired;
        this.contributors = List.copyOf(builder.contributors);
        this.auditEntries = builder.auditEntries;
    }

    /**
     * A builder; everything but the registry, the phase source and the clock is optional.
     *
     * @param registry the declared migrations
     * @param phaseSource the phase this instance acts on
     * @param clock the time runs' rates and ETAs are computed at
     */
    public static Builder builder(MigrationRegistry registry, PhaseSource phaseSource, Clock clock) {
        return new Builder(registry, phaseSource, clock);
    }

    /** The declared migration ids, in declaration order. */
    public List<String> migrationIds() {
        return List.copyOf(registry.ids());
    }

    /** Whether a migration with this id is declared. */
    public boolean isDeclared(String migrationId) {
        return migrationId != null && registry.find(migrationId).isPresent();
    }

    /** The status of every declared migration, in declaration order (the live instances are read once). */
    public List<MigrationStatus> statuses() {
        List<InstanceStatus> live = liveInstances();
        List<MigrationStatus> statuses = new ArrayList<>();
        for (String id : registry.ids()) {
            statuses.add(status(id, live));
        }
        return statuses;
    }

    /**
     * The status of one migration.
     *
     * @throws IllegalArgumentException when it is not declared (the message lists the declared ids)
     */
    public MigrationStatus status(String migrationId) {
        registry.require(migrationId);
        return status(migrationId, liveInstances());
    }

    private List<InstanceStatus> liveInstances() {
        return instances == null ? List.of() : instances.liveInstances();
    }

    private MigrationStatus status(String id, List<InstanceStatus> live) {
        Instant now = clock.instant();
        Phase thisInstance = phaseSource.currentPhase(id);
        String conflict = togglz == null ? null : togglz.conflicts().get(id);
        Optional<AcceptedPhase> accepted = history == null ? Optional.empty() : history.accepted(id);
        Phase shared = accepted.map(AcceptedPhase::phase)
                .orElseGet(() -> guard == null ? null : guard.currentPhase(id));
        MigrationStatus.PhaseView phase = new MigrationStatus.PhaseView(shared,
                accepted.map(AcceptedPhase::at).orElse(null), accepted.map(AcceptedPhase::by).orElse(null),
                thisInstance, conflict);
        long pending = unrepaired.count(id);
        List<String> problems = Invariants.atRisk(id, pending, live, conflict);
        return new MigrationStatus(id, phase, steps(id), instances == null ? null : instances(id, live),
                run(copier, id, now), run(verifier, id, now),
                verifier == null ? null : verifier.latestFinished(id).map(MigrationStatus.Verification::of).orElse(null),
                pending, problems.isEmpty() ? "UP" : "DOWN", problems, audit(id), sections(id));
    }

    private List<MigrationStatus.Step> steps(String id) {
        if (guard == null) {
            return List.of();
        }
        List<MigrationStatus.Step> steps = new ArrayList<>();
        for (Decision decision : guard.options(id)) {
            String direction = decision.from() != null && decision.to().ordinal() > decision.from().ordinal()
                    ? MigrationStatus.Step.NEXT : MigrationStatus.Step.PREVIOUS;
            steps.add(new MigrationStatus.Step(direction, decision.from(), decision.to(), decision.allowed(),
                    decision.reason()));
        }
        return steps;
    }

    private MigrationStatus.Instances instances(String id, List<InstanceStatus> live) {
        String self = instances.localInstance().map(LocalInstance::id).orElse(null);
        Map<Phase, Integer> counts = new EnumMap<>(Phase.class);
        int unknown = 0;
        List<MigrationStatus.Instance> list = new ArrayList<>();
        for (InstanceStatus instance : live) {
            Phase phase = instance.phases().get(id);
            String problem = null;
            if (phase != null) {
                counts.merge(phase, 1, Integer::sum);
            }
            else {
                unknown++;
                problem = instance.unreadablePhases().containsKey(id)
                        ? "reports '" + instance.unreadablePhases().get(id) + "', which is not a phase"
                        : "reports no phase for this migration (a release without its declaration?)";
            }
            list.add(new MigrationStatus.Instance(instance.id(), instance.host(), instance.applicationVersion(), phase,
                    problem, instance.startedAt(), instance.lastHeartbeat(), instance.id().equals(self)));
        }
        Map<String, Integer> byPhase = new LinkedHashMap<>();
        for (Phase phase : Phase.values()) {
            byPhase.put(phase.name(), counts.getOrDefault(phase, 0));
        }
        if (unknown > 0) {
            byPhase.put("unknown", unknown);
        }
        return new MigrationStatus.Instances(live.size(), byPhase, Invariants.adjacent(id, live), list);
    }

    private static MigrationStatus.Run run(JobOperations operations, String id, Instant now) {
        if (operations == null) {
            return null;
        }
        return operations.active(id).or(() -> operations.latest(id)).map(run -> MigrationStatus.Run.of(run, now))
                .orElse(null);
    }

    private List<MigrationStatus.Audit> audit(String id) {
        if (history == null || auditEntries <= 0) {
            return List.of();
        }
        return history.recent(id, auditEntries).stream().map(MigrationStatus.Audit::of).toList();
    }

    private Map<String, StatusSection> sections(String id) {
        Map<String, StatusSection> sections = new LinkedHashMap<>();
        for (StatusContributor contributor : contributors) {
            try {
                contributor.section(id).ifPresent(section -> sections.put(contributor.name(), section));
            }
            catch (RuntimeException ex) {
                log.warn("Status contributor '{}' failed for migration '{}'", contributor.name(), id, ex);
                sections.put(contributor.name(), new StatusSection(contributor.name(),
                        Map.of("error", "could not be read: " + ex.getMessage())));
            }
        }
        return sections;
    }

    // ------------------------------------------------------------------------------------------------ requests

    /**
     * Asks for a phase change, as {@code user} through {@code via}; never throws for bad input or a refusal.
     *
     * @param phaseText the requested phase's name (case and surrounding blanks do not matter)
     * @return what happened and a message for the operator
     */
    public PhaseChange requestPhase(String migrationId, String phaseText, String user, String via) {
        if (!isDeclared(migrationId)) {
            return PhaseChange.of(PhaseChange.Outcome.UNKNOWN_MIGRATION, migrationId, null, null,
                    unknownMigration(migrationId));
        }
        if (phaseText == null || phaseText.isBlank()) {
            return PhaseChange.of(PhaseChange.Outcome.INVALID_PHASE, migrationId, null, null,
                    "No phase given: send the phase to move to, one of " + Phase.names() + "; nothing was changed");
        }
        Phase to;
        try {
            to = Phase.parse(phaseText);
        }
        catch (IllegalArgumentException ex) {
            return PhaseChange.of(PhaseChange.Outcome.INVALID_PHASE, migrationId, null, null,
                    ex.getMessage() + "; nothing was changed");
        }
        if (toggles == null) {
            return PhaseChange.of(PhaseChange.Outcome.FAILED, migrationId, null, to, "Phase changes are not "
                    + "available in this service (no shared phase toggles are configured); nothing was changed");
        }
        Phase from = null;
        String note = null;
        if (guard != null) {
            from = guard.currentPhase(migrationId);
            Decision decision = guard.check(migrationId, from, to);
            note = decision.allowed() ? decision.reason() : null;
        }
        try {
            toggles.requestPhase(migrationId, to, user, via);
        }
        catch (PhaseChangeRefusedException ex) {
            return PhaseChange.of(PhaseChange.Outcome.REFUSED, migrationId, ex.from() != null ? ex.from() : from, to,
                    ex.reason());
        }
        catch (IllegalArgumentException ex) {
            return PhaseChange.of(PhaseChange.Outcome.REFUSED, migrationId, from, to, ex.getMessage());
        }
        catch (RuntimeException ex) {
            log.warn("Phase change of migration '{}' to {} requested by {} via {} failed", migrationId, to, user, via,
                    ex);
            return PhaseChange.of(PhaseChange.Outcome.FAILED, migrationId, from, to, ex.getMessage());
        }
        String message = from == to ? "Migration '" + migrationId + "' is already in " + to + "; nothing changed"
                : "Migration '" + migrationId + "' moved from " + from + " to " + to + ": every instance acts on it "
                        + "within dualwrite.toggles.max-staleness" + (note == null ? "" : "; " + note);
        return PhaseChange.of(PhaseChange.Outcome.ACCEPTED, migrationId, from, to, message);
    }

    /**
     * Starts, pauses or resumes a copy or verification run; never throws for bad input.
     *
     * @param job {@code copy} or {@code verify}
     * @param action {@code start} (workers in this process, default options), {@code pause} or {@code resume}
     */
    public JobControl controlJob(String migrationId, String job, String action) {
        if (!isDeclared(migrationId)) {
            return new JobControl(false, unknownMigration(migrationId));
        }
        String kind = job == null ? "" : job.trim().toLowerCase(Locale.ROOT);
        JobOperations operations = switch (kind) {
            case "copy" -> copier;
            case "verify" -> verifier;
            default -> null;
        };
        if (!kind.equals("copy") && !kind.equals("verify")) {
            return new JobControl(false, "job must be copy or verify, got '" + job + "'; nothing was changed");
        }
        if (operations == null) {
            return new JobControl(false, "The " + kind + " job is not available in this service");
        }
        String verb = action == null ? "" : action.trim().toLowerCase(Locale.ROOT);
        try {
            JobRun run;
            switch (verb) {
                case "start" -> {
                    run = operations.start(migrationId).run();
                    return new JobControl(true, "Started " + kind + " run " + run.id() + " of '" + migrationId
                            + "' with " + operations.defaults().workers() + " worker(s) in this process");
                }
                case "pause" -> {
                    run = operations.pause(migrationId);
                    return new JobControl(true, "Paused " + kind + " run " + run.id() + " of '" + migrationId + "'");
                }
                case "resume" -> {
                    run = operations.resume(migrationId);
                    return new JobControl(true, "Resumed " + kind + " run " + run.id() + " of '" + migrationId + "'");
                }
                default -> {
                    return new JobControl(false, "action must be start, pause or resume, got '" + action
                            + "'; nothing was changed");
                }
            }
        }
        catch (IllegalArgumentException | IllegalStateException ex) {
            return new JobControl(false, ex.getMessage());
        }
    }

    /** Why {@code migrationId} is not one of the declared migrations, naming them. */
    public String unknownMigration(String migrationId) {
        try {
            registry.require(migrationId);
            return "No migration '" + migrationId + "' is declared";
        }
        catch (IllegalArgumentException ex) {
            return ex.getMessage();
        }
    }

    /**
     * The answer to a phase request.
     *
     * @param outcome what happened
     * @param migration the migration as requested
     * @param from the phase it started from ({@code null} when unknown)
     * @param to the requested phase ({@code null} when the request named none)
     * @param message for the operator: what changed, or why nothing did and what to do
     */
    public record PhaseChange(Outcome outcome, String migration, Phase from, Phase to, String message) {

        static PhaseChange of(Outcome outcome, String migration, Phase from, Phase to, String message) {
            return new PhaseChange(outcome, migration, from, to, message);
        }

        /** Whether the phase is now the requested one. */
        public boolean accepted() {
            return outcome == Outcome.ACCEPTED;
        }

        /** What became of a phase request. */
        public enum Outcome {
            /** Stored: every instance acts on it within the toggle staleness (or it was the phase already). */
            ACCEPTED,
            /** The guard refused it; nothing was changed. */
            REFUSED,
            /** The request named no phase, or text that is not a phase; nothing was changed. */
            INVALID_PHASE,
            /** The migration is not declared here; nothing was changed. */
            UNKNOWN_MIGRATION,
            /** Allowed, but it could not be stored (the database); nothing was changed. */
            FAILED
        }
    }

    /**
     * The answer to a copier or verifier request.
     *
     * @param done whether the request was carried out
     * @param message what was done, or why not
     */
    public record JobControl(boolean done, String message) {
    }

    /** Collects the sources of a {@link StatusService}. */
    public static final class Builder {

        private final MigrationRegistry registry;

        private final PhaseSource phaseSource;

        private final Clock clock;

        private TogglzPhaseSource togglz;

        private PhaseGuard guard;

        private PhaseToggles toggles;

        private PhaseHistory history;

        private InstanceRegistry instances;

        private Copier copier;

        private Verifier verifier;

        private UnrepairedWrites unrepaired;

        private List<StatusContributor> contributors = List.of();

        private int auditEntries = 20;

        private Builder(MigrationRegistry registry, PhaseSource phaseSource, Clock clock) {
            this.registry = Objects.requireNonNull(registry, "registry");
            this.phaseSource = Objects.requireNonNull(phaseSource, "phaseSource");
            this.clock = Objects.requireNonNull(clock, "clock");
        }

        /** The toggle-backed phase source, for this instance's conflicts. */
        public Builder togglz(TogglzPhaseSource togglz) {
            this.togglz = togglz;
            return this;
        }

        /** The phase guard: allowed steps and the shared phase. */
        public Builder guard(PhaseGuard guard) {
            this.guard = guard;
            return this;
        }

        /** Where phase changes are requested. */
        public Builder toggles(PhaseToggles toggles) {
            this.toggles = toggles;
            return this;
        }

        /** The accepted phases and the audit log. */
        public Builder history(PhaseHistory history) {
            this.history = history;
            return this;
        }

        /** The live instances. */
        public Builder instances(InstanceRegistry instances) {
            this.instances = instances;
            return this;
        }

        /** The copier. */
        public Builder copier(Copier copier) {
            this.copier = copier;
            return this;
        }

        /** The verifier. */
        public Builder verifier(Verifier verifier) {
            this.verifier = verifier;
            return this;
        }

        /** Counts the unrepaired failed second writes (none counted without it). */
        public Builder unrepaired(UnrepairedWrites unrepaired) {
            this.unrepaired = unrepaired;
            return this;
        }

        /** The optional sections' contributors, in order. */
        public Builder contributors(List<StatusContributor> contributors) {
            this.contributors = contributors == null ? List.of() : contributors;
            return this;
        }

        /** How many audit entries a status lists (0 for none). */
        public Builder auditEntries(int auditEntries) {
            if (auditEntries < 0) {
                throw new IllegalArgumentException("dualwrite.status.audit-entries must be 0 or more, was "
                        + auditEntries);
            }
            this.auditEntries = auditEntries;
            return this;
        }

        public StatusService build() {
            return new StatusService(this);
        }
    }
}
