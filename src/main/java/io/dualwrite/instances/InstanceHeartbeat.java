package io.dualwrite.instances;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.dualwrite.Phase;
import io.dualwrite.internal.BackgroundLoop;
import io.dualwrite.toggle.PhaseChangeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps this instance registered: the first heartbeat when the application context starts (before the web server
 * takes traffic), then one every {@code interval} on a daemon thread, one more as soon as the instance switches phase
 * (as a {@link PhaseChangeListener} of the phase source), and the entry removed when the context stops (after the web
 * server has stopped).
 * <p>
 * A heartbeat that fails (MongoDB unreachable) is logged and retried at the next interval; it never stops the
 * schedule. Every {@code ttl} (by the clock) the entries silent for longer than {@code retention} are removed.
 */
public class InstanceHeartbeat implements SmartLifecycle, PhaseChangeListener {

    /** Starts before, and stops after, the web server and every lifecycle bean of a default phase. */
    public static final int LIFECYCLE_PHASE = Integer.MIN_VALUE / 2;

    private static final Logger log = LoggerFactory.getLogger(InstanceHeartbeat.class);

    /** How long stopping waits for a heartbeat in progress before deregistering. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final InstanceRegistry registry;

    private final Clock clock;

    private final Duration interval;

    private final Duration retention;

    private final Object tickLock = new Object();

    private final AtomicLong sent = new AtomicLong();

    private final AtomicLong failed = new AtomicLong();

    private volatile long consecutiveFailures;

    private volatile Instant lastPurge;

    private volatile BackgroundLoop loop;

    /**
     * @param registry a registry with a {@link LocalInstance}
     * @param clock the time that decides when to remove old entries
     * @param interval time between two heartbeats; keep it well under the registry's ttl
     * @param retention how long an entry stays after its last heartbeat before it is removed; at least the ttl
     */
    public InstanceHeartbeat(InstanceRegistry registry, Clock clock, Duration interval, Duration retention) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (registry.localInstance().isEmpty()) {
            throw new IllegalArgumentException("The instance heartbeat needs a registry with a local instance");
        }
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException("dualwrite.instances.heartbeat-interval must be at least 1ms, was "
                    + interval);
        }
        if (interval.compareTo(registry.ttl()) >= 0) {
            throw new IllegalArgumentException("dualwrite.instances.heartbeat-interval (" + interval
                    + ") must be shorter than dualwrite.instances.ttl (" + registry.ttl()
                    + "), or live instances would expire between two heartbeats; a ttl of several intervals "
                    + "tolerates missed heartbeats");
        }
        if (retention == null || retention.compareTo(registry.ttl()) < 0) {
            throw new IllegalArgumentException("dualwrite.instances.retention (" + retention
                    + ") must be at least dualwrite.instances.ttl (" + registry.ttl() + ")");
        }
        this.interval = interval;
        this.retention = retention;
    }

    @Override
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        tick();
        loop = BackgroundLoop.start("dualwrite-heartbeat", interval, this::tick);
        log.info("Heartbeat of {} started (every {}; live in the instance registry for {} after each)",
                registry.localInstance().get(), interval, registry.ttl());
    }

    @Override
    public synchronized void stop() {
        BackgroundLoop stopping = loop;
        if (stopping == null) {
            return;
        }
        loop = null;
        if (!stopping.stop(STOP_TIMEOUT)) {
            log.warn("A heartbeat was still running 5s after shutdown; deregistering anyway");
        }
        try {
            registry.deregister();
            log.info("Heartbeat of {} stopped and its instance registry entry removed", registry.localInstance().get());
        }
        catch (RuntimeException ex) {
            log.warn("Could not remove {} from the instance registry; it expires after {}: {}",
                    registry.localInstance().get(), registry.ttl(), ex.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return loop != null;
    }

    @Override
    public int getPhase() {
        return LIFECYCLE_PHASE;
    }

    /**
     * One heartbeat now, and the removal of long-silent entries when it is due; failures are logged, never thrown.
     * The scheduler calls it; tests may too.
     */
    public void tick() {
        synchronized (tickLock) {
            beat();
        }
    }

    private void beat() {
        try {
            registry.heartbeat();
            sent.incrementAndGet();
            if (consecutiveFailures > 0) {
                log.info("Instance heartbeat works again after {} failed attempt(s)", consecutiveFailures);
            }
            consecutiveFailures = 0;
        }
        catch (RuntimeException ex) {
            failed.incrementAndGet();
            consecutiveFailures++;
            log.warn("Instance heartbeat failed ({} in a row); retrying in {}; this instance expires from the "
                    + "registry after {} without one: {}", consecutiveFailures, interval, registry.ttl(), ex.toString());
            return;
        }
        Instant now = clock.instant();
        Instant last = lastPurge;
        if (last == null || !now.isBefore(last.plus(registry.ttl()))) {
            lastPurge = now;
            try {
                long removed = registry.removeSilentFor(retention);
                if (removed > 0) {
                    log.info("Removed {} instance registry entr{} silent for more than {}", removed,
                            removed == 1 ? "y" : "ies", retention);
                }
            }
            catch (RuntimeException ex) {
                log.warn("Could not remove old instance registry entries: {}", ex.toString());
            }
        }
    }

    /** Reports the new phase right away instead of at the next interval. */
    @Override
    public void phaseChanged(String migrationId, Phase from, Phase to) {
        heartbeatSoon();
    }

    /** Queues a heartbeat on the heartbeat thread now; nothing when not running. */
    public void heartbeatSoon() {
        BackgroundLoop running = loop;
        if (running != null) {
            running.runSoon(this::tick); // false when shutting down: the entry is being removed anyway
        }
    }

    /** Heartbeats that were written since this bean was created. */
    public long heartbeatsSent() {
        return sent.get();
    }

    /** Heartbeats that failed since this bean was created. */
    public long heartbeatsFailed() {
        return failed.get();
    }

    /** Heartbeats that failed since the last one that was written. */
    public long consecutiveFailures() {
        return consecutiveFailures;
    }
}
