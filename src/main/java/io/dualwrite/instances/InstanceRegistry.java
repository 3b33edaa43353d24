package io.dualwrite.instances;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.dualwrite.Phase;
import org.bson.Document;

/**
 * The instances of the service that are alive, and the phase each acts on, shared through one MongoDB collection.
 * <p>
 * Every registering instance upserts one document, keyed by its id, at each {@link #heartbeat()}:
 * <pre>
 * { _id: "web-1-4711-a3f0", host: "web-1", applicationVersion: "1.4.2",
 *   startedAt: ISODate(...), lastHeartbeat: ISODate(...),
 *   phases: [ { migration: "customers-v2", phase: "READ_OLD_WRITE_BOTH" } ] }
 * </pre>
 * An instance is <b>live</b> when its last heartbeat is no older than the ttl, by this registry's {@link Clock}
 * ({@code lastHeartbeat >= now - ttl}). Times are written by each instance's own clock, so the hosts' clocks must
 * agree to well within the ttl (NTP does). An instance that stops cleanly removes its entry ({@link #deregister()});
 * one that dies stays live until its last heartbeat is older than the ttl, so a check errs on the side of waiting.
 * <p>
 * A registry built without a {@link LocalInstance} only reads (a command-line copier with
 * {@code dualwrite.instances.enabled=false}): it sees the others but is not one of them.
 * <p>
 * Phases are stored as their names. A stored value that is not a phase never fails a query: the instance is listed
 * with it in {@link InstanceStatus#unreadablePhases()} and every check counts it as offending.
 */
public final class InstanceRegistry {

    static final String HOST = "host";

    static final String APPLICATION_VERSION = "applicationVersion";

    static final String STARTED_AT = "startedAt";

    static final String LAST_HEARTBEAT = "lastHeartbeat";

    static final String PHASES = "phases";

    static final String MIGRATION = "migration";

    static final String PHASE = "phase";

    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private final MongoCollection<Document> collection;

    private final Clock clock;

    private final Duration ttl;

    private final LocalInstance self;

    /** A registry that only reads: this process does not register itself. */
    public InstanceRegistry(MongoCollection<Document> collection, Clock clock, Duration ttl) {
        this(collection, clock, ttl, null);
    }

    /**
     * @param collection where the instances report
     * @param clock the time heartbeats are stamped with and liveness is judged by
     * @param ttl how old a last heartbeat may be for its instance to count as live
     * @param self this process, registered by {@link #heartbeat()}; {@code null} for a registry that only reads
     */
    public InstanceRegistry(MongoCollection<Document> collection, Clock clock, Duration ttl, LocalInstance self) {
        this.collection = Objects.requireNonNull(collection, "collection");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("dualwrite.instances.ttl must be positive, was " + ttl);
        }
        this.ttl = ttl;
        this.self = self;
    }

    /** This process, when it registers itself. */
    public Optional<LocalInstance> localInstance() {
        return Optional.ofNullable(self);
    }

    /** How old a last heartbeat may be for its instance to count as live. */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Reports this instance now: one upsert by id with the phase it acts on for every declared migration.
     *
     * @throws IllegalStateException when this registry only reads (no local instance)
     * @throws com.mongodb.MongoException when MongoDB does not take the write (the scheduler logs it and goes on)
     */
    public synchronized void heartbeat() {
        LocalInstance local = requireSelf();
        List<Document> phases = new ArrayList<>();
        local.currentPhases().forEach((migration, phase) -> phases.add(new Document(MIGRATION, migration)
                .append(PHASE, phase.name())));
        Document document = new Document("_id", local.id())
                .append(HOST, local.host())
                .append(APPLICATION_VERSION, local.applicationVersion())
                .append(STARTED_AT, Date.from(local.startedAt()))
                .append(LAST_HEARTBEAT, Date.from(clock.instant()))
                .append(PHASES, phases);
        collection.replaceOne(Filters.eq("_id", local.id()), document, UPSERT);
    }

    /** Removes this instance's entry (on shutdown); nothing to do when this registry only reads. */
    public synchronized void deregister() {
        if (self != null) {
            collection.deleteOne(Filters.eq("_id", self.id()));
        }
    }

    /**
     * Removes the entries of instances silent for longer than {@code age} (long dead; live ones and recently
     * expired ones, which operators may still want to see, stay).
     *
     * @return how many were removed
     */
    public long removeSilentFor(Duration age) {
        Instant limit = clock.instant().minus(age);
        return collection.deleteMany(Filters.lt(LAST_HEARTBEAT, Date.from(limit))).getDeletedCount();
    }

    /** The live instances (last heartbeat within the ttl of now), by id. */
    public List<InstanceStatus> liveInstances() {
        Date oldest = Date.from(clock.instant().minus(ttl));
        List<InstanceStatus> live = new ArrayList<>();
        for (Document document : collection.find(Filters.gte(LAST_HEARTBEAT, oldest)).sort(Sorts.ascending("_id"))) {
            live.add(read(document));
        }
        return live;
    }

    /**
     * Whether every live instance acts on the migration at a phase that satisfies {@code condition}. An instance that
     * reports no phase, or an unreadable one, for the migration never satisfies it. With no live instance the check
     * is satisfied with {@code liveInstances() == 0} (see {@link LiveCheck}).
     *
     * @param conditionDescription the condition as a phrase that fits "every live instance is ...", used by
     *        {@link LiveCheck#describe()} (e.g. "writing both shapes")
     */
    public LiveCheck everyLiveInstance(String migrationId, Predicate<Phase> condition, String conditionDescription) {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(condition, "condition");
        List<InstanceStatus> live = liveInstances();
        List<InstanceStatus> offending = new ArrayList<>();
        for (InstanceStatus status : live) {
            Phase phase = status.phases().get(migrationId);
            if (phase == null || !condition.test(phase)) {
                offending.add(status);
            }
        }
        return new LiveCheck(offending.isEmpty(), live.size(), offending, migrationId,
                Objects.requireNonNullElse(conditionDescription, "satisfying the condition"));
    }

    /** Whether every live instance acts on the migration at {@code phase} or a later one (in {@link Phase} order). */
    public LiveCheck everyLiveInstanceAtLeast(String migrationId, Phase phase) {
        Objects.requireNonNull(phase, "phase");
        return everyLiveInstance(migrationId, reported -> reported.compareTo(phase) >= 0,
                phase.next() == null ? "at " + phase : "at " + phase + " or a later phase");
    }

    /** Whether every live instance writes both shapes of the migration ({@link Phase#writesBoth()}). */
    public LiveCheck everyLiveInstanceWritingBoth(String migrationId) {
        return everyLiveInstance(migrationId, Phase::writesBoth, "writing both shapes");
    }

    private LocalInstance requireSelf() {
        if (self == null) {
            throw new IllegalStateException("This process does not register itself in the instance registry "
                    + "(dualwrite.instances.enabled=false): it can read the live instances but sends no heartbeat");
        }
        return self;
    }

    /** Reads a stored entry without trusting its shape: what cannot be read is shown as such, never thrown. */
    private static InstanceStatus read(Document document) {
        Map<String, Phase> phases = new LinkedHashMap<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        if (document.get(PHASES) instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof Document phaseEntry && phaseEntry.get(MIGRATION) instanceof String migration) {
                    Object stored = phaseEntry.get(PHASE);
                    try {
                        phases.put(migration, Phase.parse(stored instanceof String text ? text : null));
                    }
                    catch (IllegalArgumentException ex) {
                        unreadable.put(migration, String.valueOf(stored));
                    }
                }
            }
        }
        return new InstanceStatus(String.valueOf(document.get("_id")), text(document, HOST),
                text(document, APPLICATION_VERSION), instant(document, STARTED_AT), instant(document, LAST_HEARTBEAT),
                phases, unreadable);
    }

    private static String text(Document document, String field) {
        Object value = document.get(field);
        return value == null ? "unknown" : value.toString();
    }

    private static Instant instant(Document document, String field) {
        return document.get(field) instanceof Date date ? date.toInstant().truncatedTo(ChronoUnit.MILLIS) : null;
    }
}
