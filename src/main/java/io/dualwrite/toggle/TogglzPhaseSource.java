package io.dualwrite.toggle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.internal.BackgroundLoop;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.PhaseHistory.AcceptedPhase;
import io.dualwrite.toggle.PhaseToggleStates.Reading;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.util.NamedFeature;

/**
 * The phase each migration is in on this instance, kept in memory and refreshed from the shared toggle states.
 * <p>
 * {@link #currentPhase} answers from memory only. {@link #refresh()} reads every migration's state from the shared,
 * uncached repository; {@link #tick()} refreshes when half of {@code maxStaleness} has passed since the last refresh
 * (by the injected {@link Clock}), so a change made on any instance is acted on everywhere within
 * {@code maxStaleness}. With background polling on, a daemon thread calls {@link #tick()} every 50 ms at most.
 * <p>
 * At startup every migration acts on the phase the guard last accepted ({@link PhaseHistory}); a migration with none
 * yet adopts its valid toggle state (seeded from {@code toggles/}), and one with neither fails startup, naming the
 * migration, the stored state and how to fix it. Later, a state that is invalid, missing or unreadable, or a valid one
 * that disagrees with the accepted phase (written around the guard), is never acted upon: the instance keeps the last
 * valid phase, logs a warning once per distinct problem and reports it in {@link #conflicts()} until the state is valid
 * again.
 */
public class TogglzPhaseSource implements PhaseSource, InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(TogglzPhaseSource.class);

    /**
     * How long the accepted phase may lead the toggle state before the difference counts as a conflict: the guard
     * stores the accepted phase first and the toggle state right after.
     */
    private static final Duration CHANGE_IN_FLIGHT = Duration.ofSeconds(5);

    private final MigrationRegistry registry;

    private final StateRepository repository;

    private final Clock clock;

    private final Duration refreshInterval;

    private final boolean pollInBackground;

    private final Map<String, Phase> phases = new ConcurrentHashMap<>();

    private final Map<String, String> conflicts = new ConcurrentHashMap<>();

    private final List<PhaseChangeListener> listeners = new CopyOnWriteArrayList<>();

    private final PhaseHistory history;

    private volatile Instant lastRefresh;

    private volatile BackgroundLoop poller;

    /**
     * @param registry the declared migrations
     * @param repository the shared toggle states, read without a cache
     * @param clock the time that decides when to refresh
     * @param maxStaleness the longest time a change may take to be acted on here
     * @param pollInBackground whether a daemon thread calls {@link #tick()}; when {@code false} the caller does
     */
    public TogglzPhaseSource(MigrationRegistry registry, StateRepository repository, Clock clock,
            Duration maxStaleness, boolean pollInBackground) {
        this(registry, repository, clock, maxStaleness, pollInBackground, null);
    }

    /**
     * @param registry the declared migrations
     * @param repository the shared toggle states, read without a cache
     * @param clock the time that decides when to refresh
     * @param maxStaleness the longest time a change may take to be acted on here
     * @param pollInBackground whether a daemon thread calls {@link #tick()}; when {@code false} the caller does
     * @param history the phases the guard accepted: a toggle state that disagrees with it was written around the guard
     *        and is not acted upon; {@code null} to follow the toggle states alone
     */
    public TogglzPhaseSource(MigrationRegistry registry, StateRepository repository, Clock clock,
            Duration maxStaleness, boolean pollInBackground, PhaseHistory history) {
        this.history = history;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxStaleness == null || maxStaleness.compareTo(Duration.ofMillis(2)) < 0) {
            throw new IllegalArgumentException("dualwrite.toggles.max-staleness must be at least 2ms, was "
                    + maxStaleness + "; set it to how long a phase change may take to reach every instance (e.g. 1s)");
        }
        this.refreshInterval = maxStaleness.dividedBy(2);
        this.pollInBackground = pollInBackground;
    }

    @Override
    public void afterPropertiesSet() {
        load();
        if (pollInBackground) {
            poller = BackgroundLoop.start("dualwrite-toggle-poller", BackgroundLoop.pollDelay(refreshInterval),
                    this::tick, ex -> log.warn("Refreshing the migration phases failed: {}", ex.toString()));
        }
    }

    @Override
    public void destroy() {
        BackgroundLoop loop = poller;
        if (loop != null) {
            loop.stop();
            poller = null;
        }
    }

    /**
     * Reads every migration's state and takes its phase.
     *
     * @throws IllegalStateException naming each migration whose state is missing or invalid, with how to fix it
     */
    synchronized void load() {
        lastRefresh = clock.instant();
        List<String> problems = new ArrayList<>();
        Map<String, AcceptedPhase> accepted = history == null ? Map.of() : history.accepted(registry.ids());
        for (String id : registry.ids()) {
            FeatureState state;
            try {
                state = repository.getFeatureState(new NamedFeature(id));
            }
            catch (RuntimeException ex) {
                throw new IllegalStateException("Could not read the toggle state of migration '" + id
                        + "' from the shared toggle repository: " + ex.getMessage(), ex);
            }
            Reading reading = PhaseToggleStates.read(state);
            AcceptedPhase last = accepted.get(id);
            if (last != null && last.phase() != null) {
                phases.put(id, last.phase());
                log.info("Migration '{}' acts on phase {}", id, last.phase());
                if (!reading.valid()) {
                    conflict(id, "the shared toggle state is invalid: " + reading.problem() + " (stored: "
                            + PhaseToggleStates.describe(state) + "); acting on " + last.phase() + ", the phase the "
                            + "guard last accepted; fix: " + PhaseToggleStates.howToFix(id));
                }
                else if (reading.phase() != last.phase()) {
                    conflict(id, aroundTheGuard(id, reading.phase(), last));
                }
            }
            else if (reading.valid()) {
                Phase phase = history == null ? reading.phase()
                        : history.adopt(id, reading.phase(), "the toggle state found at startup (seeded from "
                                + "toggles/ or set before the phase guard existed)").phase();
                phases.put(id, phase);
                log.info("Migration '{}' acts on phase {}", id, phase);
            }
            else {
                problems.add("migration '" + id + "': " + reading.problem() + " (stored: "
                        + PhaseToggleStates.describe(state) + "); fix: " + PhaseToggleStates.howToFix(id));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Cannot start: the shared toggle state of "
                    + (problems.size() == 1 ? "a migration is" : "migrations are") + " invalid, so the phase to act on "
                    + "is unknown:\n  " + String.join("\n  ", problems));
        }
    }

    private String aroundTheGuard(String id, Phase toggle, AcceptedPhase last) {
        return "the shared toggle says " + toggle + " but the phase guard last accepted " + last.phase() + " (at "
                + last.at() + ", by " + last.by() + "): the toggle was written around the guard; keeping phase "
                + phases.get(id) + ". Fix: request " + toggle + " in the console, the status page or the API so the "
                + "guard checks it, or request " + last.phase() + " to restore the toggle";
    }

    @Override
    public Phase currentPhase(String migrationId) {
        Phase phase = phases.get(migrationId);
        if (phase == null) {
            throw new IllegalArgumentException("No phase for migration '" + migrationId + "': it is not declared "
                    + "(declared: " + String.join(", ", registry.ids()) + ")");
        }
        return phase;
    }

    /** The phase of every migration this instance acts on right now. */
    public Map<String, Phase> currentPhases() {
        return Map.copyOf(phases);
    }

    /** Refreshes when half of {@code maxStaleness} has passed since the last refresh, by the clock. */
    public void tick() {
        Instant last = lastRefresh;
        if (last == null || !clock.instant().isBefore(last.plus(refreshInterval))) {
            refresh();
        }
    }

    /** Reads every migration's shared state now and acts on each valid one. */
    public synchronized void refresh() {
        Instant now = clock.instant();
        lastRefresh = now;
        Map<String, AcceptedPhase> accepted = null;
        if (history != null) {
            try {
                accepted = history.accepted(registry.ids());
            }
            catch (RuntimeException ex) {
                for (String id : registry.ids()) {
                    conflict(id, "could not read the accepted phases (" + ex.getMessage() + "); keeping phase "
                            + phases.get(id));
                }
                return;
            }
        }
        for (String id : registry.ids()) {
            FeatureState state;
            try {
                state = repository.getFeatureState(new NamedFeature(id));
            }
            catch (RuntimeException ex) {
                conflict(id, "could not read the shared toggle state (" + ex.getMessage() + "); keeping phase "
                        + phases.get(id));
                continue;
            }
            Reading reading = PhaseToggleStates.read(state);
            if (!reading.valid()) {
                conflict(id, "the shared toggle state is invalid: " + reading.problem() + " (stored: "
                        + PhaseToggleStates.describe(state) + "); keeping phase " + phases.get(id) + "; fix: "
                        + PhaseToggleStates.howToFix(id));
                continue;
            }
            if (accepted != null) {
                AcceptedPhase last = accepted.get(id);
                if (last == null) {
                    last = history.adopt(id, reading.phase(), "the toggle state found when no accepted phase was "
                            + "stored (the record was removed)");
                }
                if (last.phase() != reading.phase()) {
                    boolean changing = last.at() != null && now.isBefore(last.at().plus(CHANGE_IN_FLIGHT));
                    if (!changing) {
                        conflict(id, aroundTheGuard(id, reading.phase(), last));
                    }
                    continue;
                }
            }
            if (conflicts.remove(id) != null) {
                log.info("Migration '{}': the shared toggle state is valid again ({})", id, reading.phase());
            }
            Phase previous = phases.put(id, reading.phase());
            if (previous != reading.phase()) {
                log.info("Migration '{}': phase changed from {} to {}; this instance acts on {} now", id, previous,
                        reading.phase(), reading.phase());
                for (PhaseChangeListener listener : listeners) {
                    try {
                        listener.phaseChanged(id, previous, reading.phase());
                    }
                    catch (RuntimeException ex) {
                        log.warn("A phase change listener failed for migration '{}' ({} -> {})", id, previous,
                                reading.phase(), ex);
                    }
                }
            }
        }
    }

    private void conflict(String id, String description) {
        String previous = conflicts.put(id, description);
        if (!description.equals(previous)) {
            log.warn("Migration '{}': {}", id, description);
        }
    }

    /** Why this instance does not follow the shared state of a migration right now, by migration id; empty when it does. */
    public Map<String, String> conflicts() {
        return Map.copyOf(conflicts);
    }

    /** Whether the background poller runs (until the context closes). */
    public boolean isPolling() {
        BackgroundLoop loop = poller;
        return loop != null && loop.isRunning();
    }

    /** When the shared states were last read (or tried), by the clock. */
    public Instant lastRefresh() {
        return lastRefresh;
    }

    /** Registers a listener told of every phase change this instance acts on. */
    public void addListener(PhaseChangeListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added with {@link #addListener}. */
    public void removeListener(PhaseChangeListener listener) {
        listeners.remove(listener);
    }
}
