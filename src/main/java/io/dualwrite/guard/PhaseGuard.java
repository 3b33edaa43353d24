package io.dualwrite.guard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStore;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LiveCheck;
import io.dualwrite.toggle.PhaseChangeRefusedException;
import io.dualwrite.toggle.PhaseChangeValidator;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseHistory.AcceptedPhase;

/**
 * Checks every requested phase change against DESIGN.md's transitions and the recorded progress.
 * <ul>
 * <li>One step at a time: skipping a phase is refused, in either direction.</li>
 * <li>{@code OLD_ONLY → READ_OLD_WRITE_BOTH}: always allowed.</li>
 * <li>{@code READ_OLD_WRITE_BOTH → READ_NEW_WRITE_BOTH}: only after a copy run that started after the migration last
 * entered {@code READ_OLD_WRITE_BOTH}, while every live instance wrote both shapes, has finished; a verification
 * started after that copy finished is clean; no failed second write is unrepaired; and every live instance writes
 * both shapes now.</li>
 * <li>{@code READ_NEW_WRITE_BOTH → READ_NEW_WRITE_NEW}: once every live instance reads the new shape.</li>
 * <li>{@code READ_NEW_WRITE_BOTH → READ_OLD_WRITE_BOTH}: allowed unless failed writes to the old shape are still
 * unrepaired, or the migration was in {@code READ_NEW_WRITE_NEW} since the old shape was last brought up to date by
 * a reverse copy that started while every live instance wrote both shapes.</li>
 * <li>{@code READ_OLD_WRITE_BOTH → OLD_ONLY}: allowed; the copy and verification must run again before reading new.</li>
 * <li>{@code READ_NEW_WRITE_NEW → READ_NEW_WRITE_BOTH}: only after a reverse copy that started after the migration
 * last entered {@code READ_NEW_WRITE_NEW} has finished and a reverse verification started after it is clean; never
 * once the old shape has been cleaned up.</li>
 * </ul>
 * A refusal names the missing prerequisite and the command or page that provides it.
 */
public class PhaseGuard {

    private final MigrationRegistry registry;

    private final PhaseHistory history;

    private final Supplier<JobStore> jobStore;

    private final Supplier<InstanceRegistry> instanceRegistry;

    private final UnrepairedWrites unrepaired;

    private final Predicate<String> cleanedUp;

    private final Function<String, Optional<Phase>> storedPhase;

    /**
     * @param registry the declared migrations
     * @param history the accepted phases and the audit log (when a phase was last entered)
     * @param jobs the copier's and verifier's runs, asked for at each check; supplies {@code null} when the copier is
     *        not available here
     * @param instances the instance registry, asked for at each check; supplies {@code null} when it is disabled
     * @param unrepaired counts the unrepaired failed second writes
     * @param cleanedUp whether a migration's old shape has been removed; {@code null} when cleanup is not available
     * @param storedPhase the phase in a migration's shared toggle state, for a migration with no accepted phase yet
     *        (as seeded); {@code null} to treat such a migration as having none
     */
    public PhaseGuard(MigrationRegistry registry, PhaseHistory history, Supplier<JobStore> jobs,
            Supplier<InstanceRegistry> instances, UnrepairedWrites unrepaired, Predicate<String> cleanedUp,
            Function<String, Optional<Phase>> storedPhase) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.history = Objects.requireNonNull(history, "history");
        this.jobStore = Objects.requireNonNull(jobs, "jobs");
        this.instanceRegistry = Objects.requireNonNull(instances, "instances");
        this.unrepaired = Objects.requireNonNull(unrepaired, "unrepaired");
        this.cleanedUp = cleanedUp == null ? id -> false : cleanedUp;
        this.storedPhase = storedPhase == null ? id -> Optional.empty() : storedPhase;
    }

    /**
     * Checks a change for the {@link PhaseChangeValidator} seam.
     *
     * @throws PhaseChangeRefusedException when the change is refused, with the reason
     */
    public void validate(String migrationId, Phase from, Phase to) {
        Decision decision = check(migrationId, from, to);
        if (!decision.allowed()) {
            throw new PhaseChangeRefusedException(migrationId, from, to, decision.reason());
        }
    }

    /** Whether migration {@code migrationId} may move from its accepted phase to {@code to} now. */
    public Decision check(String migrationId, Phase to) {
        registry.require(migrationId);
        return check(migrationId, currentPhase(migrationId), to);
    }

    /** The steps one phase forward and one back from the accepted phase, each with the guard's answer. */
    public List<Decision> options(String migrationId) {
        registry.require(migrationId);
        Phase from = currentPhase(migrationId);
        List<Decision> options = new ArrayList<>();
        if (from == null) {
            return options;
        }
        if (from.next() != null) {
            options.add(check(migrationId, from, from.next()));
        }
        if (from.previous() != null) {
            options.add(check(migrationId, from, from.previous()));
        }
        return options;
    }

    /**
     * The phase a requested change starts from: the accepted phase, or, when none was accepted yet, the phase in the
     * shared toggle state; {@code null} when there is neither.
     */
    public Phase currentPhase(String migrationId) {
        registry.require(migrationId);
        return history.accepted(migrationId).map(AcceptedPhase::phase)
                .or(() -> storedPhase.apply(migrationId)).orElse(null);
    }

    /** Whether migration {@code migrationId} may move from {@code from} to {@code to} now. */
    public Decision check(String migrationId, Phase from, Phase to) {
        registry.require(migrationId);
        Objects.requireNonNull(to, "to");
        if (from == null) {
            return Decision.allow(migrationId, null, to, "no phase was accepted for this migration yet");
        }
        if (from == to) {
            return Decision.allow(migrationId, from, to, "the migration is already in " + to);
        }
        int step = to.ordinal() - from.ordinal();
        if (Math.abs(step) > 1) {
            Phase via = step > 0 ? from.next() : from.previous();
            return Decision.refuse(migrationId, from, to, "skipping a phase is not allowed; move one step at a time, "
                    + "first to " + via + ", and check that every instance reports it before the next step");
        }
        return switch (to) {
            case READ_OLD_WRITE_BOTH -> from == Phase.OLD_ONLY
                    ? Decision.allow(migrationId, from, to, "every instance starts writing the new shape too; run the "
                            + "copier once every instance reports " + to)
                    : backToReadingOld(migrationId, from, to);
            case READ_NEW_WRITE_BOTH -> from == Phase.READ_OLD_WRITE_BOTH ? toReadingNew(migrationId, from, to)
                    : leaveNewOnly(migrationId, from, to);
            case READ_NEW_WRITE_NEW -> toNewOnly(migrationId, from, to);
            case OLD_ONLY -> Decision.allow(migrationId, from, to, "the new shape stops being maintained: the copier "
                    + "and the verifier must run again before the migration may read new");
        };
    }

    private Decision toReadingNew(String id, Phase from, Phase to) {
        JobStore jobs = jobStore.get();
        InstanceRegistry instances = instanceRegistry.get();
        if (jobs == null) {
            return Decision.refuse(id, from, to, "the copier is not available in this service "
                    + "(dualwrite.copier.enabled=false), so no finished copy can be seen; enable it, run the copier "
                    + "and the verifier, then retry");
        }
        Instant since = history.lastEntered(id, Phase.READ_OLD_WRITE_BOTH).orElse(Instant.EPOCH);
        Optional<JobRun> copy = newestQualifying(id, JobKind.COPY, since, JobRun::allWritingBothAtStart);
        if (copy.isEmpty()) {
            String latest = describeLatest(id, JobKind.COPY);
            return Decision.refuse(id, from, to, "no copy run has finished that started after the migration entered "
                    + "READ_OLD_WRITE_BOTH (" + since + ") while every live instance wrote both shapes" + latest
                    + ". Wait until every instance reports READ_OLD_WRITE_BOTH, run the copier (`copy --migration "
                    + id + "` or POST /actuator/dualwritejobs/" + id + "), then verify");
        }
        Decision verified = verifiedAfter(id, from, to, copy.get(), JobKind.VERIFY, "verify", false);
        if (!verified.allowed()) {
            return verified;
        }
        long pending = unrepaired.count(id);
        if (pending > 0) {
            return Decision.refuse(id, from, to, pending + " failed second write" + (pending == 1 ? " is" : "s are")
                    + " not repaired yet, so the new shape may miss acknowledged writes; wait for the repair job "
                    + "(or run `repair --migration " + id + "`), verify again, then retry");
        }
        if (instances != null) {
            LiveCheck check = instances.everyLiveInstanceWritingBoth(id);
            if (!check.satisfied()) {
                return Decision.refuse(id, from, to, check.describe() + "; wait until they report "
                        + "READ_OLD_WRITE_BOTH (or until a stopped one expires), then retry");
            }
        }
        return Decision.allow(id, from, to, "copy run " + copy.get().id() + " and the clean verification after it "
                + "cover every document; instances start reading the new shape");
    }

    private Decision toNewOnly(String id, Phase from, Phase to) {
        InstanceRegistry instances = instanceRegistry.get();
        if (instances == null) {
            return Decision.refuse(id, from, to, "the instance registry is disabled (dualwrite.instances.enabled="
                    + "false), so the guard cannot tell that every instance reads the new shape; enable it, then retry");
        }
        JobStore jobs = jobStore.get();
        if (jobs != null && jobs.active(id, JobKind.REVERSE_COPY).isPresent()) {
            return Decision.refuse(id, from, to, "a reverse copy is running (" + jobs.active(id, JobKind.REVERSE_COPY)
                    .get().id() + "); it may be handing entities back to the old shape, which READ_NEW_WRITE_NEW "
                    + "writers would not see. Wait for it to finish or cancel it (`cancel --migration " + id
                    + " --job reverse-copy`), then retry");
        }
        LiveCheck check = instances.everyLiveInstance(id, phase -> phase.readShape() == Shape.NEW, "reading the new shape");
        if (!check.satisfied()) {
            return Decision.refuse(id, from, to, check.describe() + "; wait until they report READ_NEW_WRITE_BOTH "
                    + "(or until a stopped one expires), then retry");
        }
        return Decision.allow(id, from, to, "instances stop writing the old shape; leaving " + to + " later needs a "
                + "reverse copy and a clean reverse verification");
    }

    private Decision leaveNewOnly(String id, Phase from, Phase to) {
        JobStore jobs = jobStore.get();
        if (cleanedUp.test(id)) {
            return Decision.refuse(id, from, to, "the old shape has been cleaned up, so there is nothing to roll back "
                    + "to; this migration stays in READ_NEW_WRITE_NEW");
        }
        if (jobs == null) {
            return Decision.refuse(id, from, to, "the copier is not available in this service "
                    + "(dualwrite.copier.enabled=false), so no reverse copy can be seen; enable it, run "
                    + "`reverse-copy` and `reverse-verify`, then retry");
        }
        Instant since = history.lastEntered(id, Phase.READ_NEW_WRITE_NEW).orElse(Instant.EPOCH);
        Optional<JobRun> copy = newestQualifying(id, JobKind.REVERSE_COPY, since, run -> true);
        if (copy.isEmpty()) {
            return Decision.refuse(id, from, to, "the old shape is stale: instances in READ_NEW_WRITE_NEW write only "
                    + "the new shape, and no reverse copy has finished since the migration entered it (" + since
                    + ")" + describeLatest(id, JobKind.REVERSE_COPY) + ". Run `reverse-copy --migration " + id
                    + "`, then `reverse-verify --migration " + id + "`, then retry");
        }
        return verifiedAfter(id, from, to, copy.get(), JobKind.REVERSE_VERIFY, "reverse-verify", false);
    }

    private Decision backToReadingOld(String id, Phase from, Phase to) {
        JobStore jobs = jobStore.get();
        long pending = unrepaired.count(id);
        if (pending > 0) {
            return Decision.refuse(id, from, to, pending + " failed second write" + (pending == 1 ? " is" : "s are")
                    + " not repaired yet, so the old shape may miss acknowledged writes; wait for the repair job "
                    + "(or run `repair --migration " + id + "`), then retry");
        }
        Optional<Instant> newOnly = history.lastEntered(id, Phase.READ_NEW_WRITE_NEW);
        if (newOnly.isPresent()) {
            if (jobs == null) {
                return Decision.refuse(id, from, to, "the migration was in READ_NEW_WRITE_NEW, and the copier is not "
                        + "available in this service to show a reverse copy; enable it, then retry");
            }
            Instant left = history.lastLeft(id, Phase.READ_NEW_WRITE_NEW).orElse(newOnly.get());
            Optional<JobRun> handedBack = newestQualifying(id, JobKind.REVERSE_COPY, left,
                    JobRun::handedEverythingBack);
            if (handedBack.isEmpty()) {
                return Decision.refuse(id, from, to, "the migration was in READ_NEW_WRITE_NEW until " + left
                        + ": entities written there are decided by the new shape alone until a reverse copy hands "
                        + "them back to the old one" + describeLatest(id, JobKind.REVERSE_COPY) + ". Now that every "
                        + "instance writes both shapes, run `reverse-copy --migration " + id + "` until it finishes "
                        + "with 0 new-only documents, then `reverse-verify --migration " + id + "`, then retry");
            }
            Decision verified = verifiedAfter(id, from, to, handedBack.get(), JobKind.REVERSE_VERIFY,
                    "reverse-verify", true);
            if (!verified.allowed()) {
                return verified;
            }
        }
        return Decision.allow(id, from, to, "instances read the old shape again; both shapes stay written");
    }

    /**
     * Whether a finished verification of {@code kind} started after {@code copy} finished, and the newest such one is
     * clean (and, with {@code noNewOnly}, found no document the new shape alone decides for).
     */
    private Decision verifiedAfter(String id, Phase from, Phase to, JobRun copy, JobKind kind, String command,
            boolean noNewOnly) {
        Instant copied = copy.finishedAt();
        List<JobRun> after = copied == null ? List.of() : jobStore.get().finishedStartedAfter(id, kind, copied);
        if (after.isEmpty()) {
            return Decision.refuse(id, from, to, "no " + (kind == JobKind.VERIFY ? "verification" : "reverse "
                    + "verification") + " has finished since " + kind.source().tag() + "→" + kind.target().tag()
                    + " copy run " + copy.id() + " finished (" + copied + "); run `" + command + " --migration " + id
                    + "`, then retry");
        }
        JobRun verification = after.get(0);
        if (!verification.isClean()) {
            return Decision.refuse(id, from, to, "the latest verification (" + verification.id() + ", finished "
                    + verification.finishedAt() + ") found " + verification.differences() + " difference"
                    + (verification.differences() == 1 ? "" : "s") + "; look at them (`status --migration " + id
                    + "`), fix the cause (dead letters, unrepaired writes), run the copy again if needed and verify "
                    + "again");
        }
        if (noNewOnly && verification.newOnly() > 0) {
            return Decision.refuse(id, from, to, "the latest reverse verification (" + verification.id()
                    + ") found " + verification.newOnly() + " document(s) the new shape alone decides for; run "
                    + "`reverse-copy --migration " + id + "` and `reverse-verify` again, then retry");
        }
        return Decision.allow(id, from, to, null);
    }

    /** The newest finished run of {@code kind} that started at or after {@code since} and qualifies. */
    private Optional<JobRun> newestQualifying(String id, JobKind kind, Instant since, Predicate<JobRun> qualifies) {
        return jobStore.get().finishedStartedAfter(id, kind, since.minusNanos(1)).stream().filter(qualifies)
                .findFirst();
    }

    private String describeLatest(String id, JobKind kind) {
        JobStore jobs = jobStore.get();
        List<JobRun> recent = jobs.recent(id, kind, 1);
        if (recent.isEmpty()) {
            return " (there has been no " + kind.tag() + " run at all)";
        }
        JobRun run = recent.get(0);
        return " (the latest " + kind.tag() + " run, " + run.id() + ", started " + run.startedAt() + ", is "
                + run.status().name().toLowerCase(java.util.Locale.ROOT)
                + (run.allWritingBothAtStart() ? "" : "; when it started: " + run.startCondition()) + ")";
    }
}
