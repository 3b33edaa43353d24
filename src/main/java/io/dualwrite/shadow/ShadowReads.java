package io.dualwrite.shadow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.internal.BackgroundLoop;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.internal.ReadObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Shadow reads: in {@code READ_OLD_WRITE_BOTH} and {@code READ_NEW_WRITE_BOTH} a sample of the reads of every phased
 * repository also reads the other shape and compares, off the caller's thread; confirmed mismatches are counted,
 * recorded with their ids and the fields that differ, and published. Nothing is sampled in {@code OLD_ONLY} and
 * {@code READ_NEW_WRITE_NEW}.
 * <p>
 * On the caller's thread a read costs one volatile read and at most one {@code ThreadLocalRandom} draw; a sampled read
 * hands the documents it already read (and their ids) to a bounded queue, and is dropped and counted when the queue is
 * full. The caller never waits for a comparison and never sees its failures.
 * <p>
 * The sample rate of each migration is shared by every instance (a Togglz feature {@code <id>.shadow-reads}, see
 * {@link TogglzSampleRates}) and read into memory every {@code refresh-interval} by the injected clock, never per read;
 * {@link #setSampleRate} changes it for every instance.
 * <p>
 * This is the API the status page and operations endpoints use: {@link #sampleRate}, {@link #setSampleRate},
 * {@link #stats}, {@link #recentMismatches}, {@link #conflicts}.
 */
public class ShadowReads implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ShadowReads.class);

    /** Most mismatches {@link #recentMismatches} returns at once. */
    public static final int MAX_RECENT = 1000;

    private final MigrationRegistry registry;

    private final PhasedStores stores;

    private final SampleRateSource rates;

    private final ShadowMismatchStore mismatchStore;

    private final ShadowReadSettings settings;

    private final Clock clock;

    private final MeterRegistry meterRegistry;

    private final ShadowComparator comparator;

    private final Map<String, MigrationShadow> shadows = new LinkedHashMap<>();

    private final Map<String, String> conflicts = new ConcurrentHashMap<>();

    private volatile Instant lastRefresh;

    private volatile BackgroundLoop poller;

    /**
     * @param registry the declared migrations
     * @param stores their stores, whose reads are observed
     * @param rates where the shared sample rates are stored
     * @param mismatchStore where confirmed mismatches are recorded
     * @param publishers told about every confirmed mismatch after it is recorded
     * @param settings how shadow reads run
     * @param clock decides re-checks, rate refreshes and record times
     * @param meterRegistry where the counters are registered, or {@code null} for none
     * @param instance this instance's id for the records, or {@code null}
     */
    public ShadowReads(MigrationRegistry registry, PhasedStores stores, SampleRateSource rates,
            ShadowMismatchStore mismatchStore, List<ShadowMismatchPublisher> publishers, ShadowReadSettings settings,
            Clock clock, MeterRegistry meterRegistry, String instance) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stores = Objects.requireNonNull(stores, "stores");
        this.rates = Objects.requireNonNull(rates, "rates");
        this.mismatchStore = Objects.requireNonNull(mismatchStore, "mismatchStore");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.meterRegistry = meterRegistry;
        this.comparator = new ShadowComparator(settings.queueCapacity(), settings.recheckDelay(), clock,
                mismatchStore, publishers, instance);
    }

    /**
     * Stores the default rate of every migration that has no shared rate yet, reads the shared rates, installs the
     * read observers and starts the comparison threads and the rate poll.
     */
    @Override
    public void afterPropertiesSet() {
        for (Migration<?> migration : registry.all()) {
            String id = migration.id();
            try {
                rates.seedIfAbsent(id, settings.defaultRate());
            }
            catch (RuntimeException ex) {
                log.warn("Could not store the default shadow-read rate of migration '{}': {}", id, ex.toString());
            }
            MigrationShadow shadow = new MigrationShadow(stores.forMigration(id), comparator,
                    settings.maxDocumentsPerRead(), settings.defaultRate());
            shadows.put(id, shadow);
            registerMeters(shadow);
        }
        refresh();
        comparator.start(settings.threads());
        for (MigrationShadow shadow : shadows.values()) {
            shadow.store.observeReads(shadow);
        }
        if (settings.pollInBackground()) {
            Duration delay = BackgroundLoop.pollDelay(settings.refreshInterval());
            poller = BackgroundLoop.start("dualwrite-shadow-rates", delay, this::tick,
                    ex -> log.warn("Refreshing the shadow-read rates failed: {}", ex.toString()));
        }
    }

    /** Removes the read observers and stops the threads; queued comparisons are not made. */
    @Override
    public void destroy() {
        for (MigrationShadow shadow : shadows.values()) {
            shadow.store.observeReads(ReadObserver.NONE);
        }
        BackgroundLoop loop = poller;
        if (loop != null) {
            loop.stop();
            poller = null;
        }
        comparator.stop();
    }

    private void registerMeters(MigrationShadow shadow) {
        if (meterRegistry == null) {
            return;
        }
        FunctionCounter.builder("dualwrite.shadow.reads", shadow.compared, adder -> adder.doubleValue())
                .tag("migration", shadow.id).description("Entities a shadow read compared with the other shape")
                .register(meterRegistry);
        FunctionCounter.builder("dualwrite.shadow.mismatches", shadow.mismatches, adder -> adder.doubleValue())
                .tag("migration", shadow.id)
                .description("Shadow-read differences still there when both shapes were read again")
                .register(meterRegistry);
        FunctionCounter.builder("dualwrite.shadow.dropped", shadow.dropped, adder -> adder.doubleValue())
                .tag("migration", shadow.id).description("Sampled reads dropped because the comparison queue was full")
                .register(meterRegistry);
    }

    // ------------------------------------------------------------------ the API

    /**
     * The share of reads of a migration this instance compares right now (0 to 1), whatever the phase (nothing is
     * compared outside the write-both phases).
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public double sampleRate(String migrationId) {
        return shadow(migrationId).rate;
    }

    /**
     * Sets the shared sample rate of a migration for every instance (each acts on it within its refresh interval; this
     * one at once).
     *
     * @param rate from 0 (off) to 1 (every read), in whole percent: 0.01 = 1 %
     * @throws IllegalArgumentException when the migration is not declared, or the rate is not a number, outside 0 to
     * 1, or not a whole percentage; nothing is changed then
     */
    public synchronized void setSampleRate(String migrationId, double rate) {
        MigrationShadow shadow = shadow(migrationId);
        if (Double.isNaN(rate) || rate < 0 || rate > 1) {
            throw new IllegalArgumentException("Shadow-read sample rate " + rate + " for migration '" + migrationId
                    + "' is not between 0 and 1 (0 = off, 0.01 = 1 %, 1 = every read); nothing was changed");
        }
        if (!isWholePercent(rate)) {
            throw new IllegalArgumentException("Shadow-read sample rate " + rate + " for migration '" + migrationId
                    + "' is not a whole percentage: the shared rate is the percentage of Togglz's 'Gradual rollout' "
                    + "strategy, a whole number from 0 to 100 (use 0.01 for 1 %, 0.07 for 7 %); nothing was changed");
        }
        double previous = shadow.rate;
        rates.write(migrationId, rate);
        shadow.rate = rate;
        conflicts.remove(migrationId);
        log.info("Migration '{}': shadow-read sample rate set to {} % (was {} %)", migrationId, percent(rate),
                percent(previous));
    }

    /**
     * This instance's shadow-read counters of a migration since it started, with its current rate.
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public ShadowReadStats stats(String migrationId) {
        return shadow(migrationId).stats();
    }

    /**
     * The newest recorded mismatches of a migration, from every instance, newest first (one MongoDB query).
     *
     * @param limit how many at most, 1 to {@value #MAX_RECENT}
     * @throws IllegalArgumentException when the migration is not declared or the limit is out of range
     */
    public List<ShadowMismatch> recentMismatches(String migrationId, int limit) {
        shadow(migrationId);
        if (limit < 1 || limit > MAX_RECENT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_RECENT + ", was " + limit);
        }
        return mismatchStore.recent(migrationId, limit);
    }

    /**
     * Why this instance does not follow the shared rate of a migration right now (a stored state that is not a rate,
     * or an unreadable one), by migration id; it keeps the last valid rate meanwhile. Empty when all is well.
     */
    public Map<String, String> conflicts() {
        return Map.copyOf(conflicts);
    }

    /**
     * Waits until every comparison handed over so far, and every re-check due by the clock, is done: runs them on the
     * calling thread when no comparison thread is configured. For orderly shutdowns, tests and benchmarks.
     *
     * @return whether everything was done within the timeout
     */
    public boolean awaitComparisons(Duration timeout) {
        return comparator.awaitIdle(timeout);
    }

    // ------------------------------------------------------------------ the shared rates

    /** Reads the shared rates again when the refresh interval has passed since the last read, by the clock. */
    public void tick() {
        Instant last = lastRefresh;
        if (last == null || !clock.instant().isBefore(last.plus(settings.refreshInterval()))) {
            refresh();
        }
    }

    /** Reads every migration's shared rate now and acts on each valid one. */
    public synchronized void refresh() {
        lastRefresh = clock.instant();
        for (MigrationShadow shadow : shadows.values()) {
            SampleRateReading reading;
            try {
                reading = rates.read(shadow.id);
            }
            catch (RuntimeException ex) {
                conflict(shadow, "could not read the shared shadow-read rate (" + ex.getMessage() + ")");
                continue;
            }
            if (reading.isInvalid()) {
                conflict(shadow, "the shared shadow-read rate is invalid: " + reading.problem());
                continue;
            }
            double rate = reading.rate() == null ? settings.defaultRate() : reading.rate();
            if (conflicts.remove(shadow.id) != null) {
                log.info("Migration '{}': the shared shadow-read rate is valid again ({} %)", shadow.id,
                        percent(rate));
            }
            if (shadow.rate != rate) {
                log.info("Migration '{}': shadow-read sample rate changed from {} % to {} %", shadow.id,
                        percent(shadow.rate), percent(rate));
                shadow.rate = rate;
            }
        }
    }

    private void conflict(MigrationShadow shadow, String problem) {
        String description = problem + "; keeping " + percent(shadow.rate) + " %. Fix it in the Togglz console "
                + "(feature '" + TogglzSampleRates.featureName(shadow.id) + "': strategy 'Gradual rollout' with a "
                + "percentage from 0 to 100, or disabled for 0) or with ShadowReads.setSampleRate";
        String previous = conflicts.put(shadow.id, description);
        if (!description.equals(previous)) {
            log.warn("Migration '{}': {}", shadow.id, description);
        }
    }

    private MigrationShadow shadow(String migrationId) {
        registry.require(migrationId);
        MigrationShadow shadow = shadows.get(migrationId);
        if (shadow == null) {
            throw new IllegalStateException("Shadow reads of migration '" + migrationId + "' are not started yet");
        }
        return shadow;
    }

    /** Re-checks waiting for their time (for tests). */
    int pendingRechecks() {
        return comparator.pendingRechecks();
    }

    // ------------------------------------------------------------------ rates as percentages

    /** Whether a rate is a whole percentage (0.07 is, 0.005 is not), within floating-point noise. */
    static boolean isWholePercent(double rate) {
        double percent = rate * 100;
        return Math.abs(percent - Math.rint(percent)) < 1e-9;
    }

    /** A rate from 0 to 1 in whole percent, as its percentage. */
    static int percent(double rate) {
        return (int) Math.round(rate * 100);
    }
}
