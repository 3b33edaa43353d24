package io.dualwrite.repair;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.dualwrite.internal.BackgroundLoop;

/**
 * Repairs failed second writes in the background, on every instance with {@code dualwrite.repair.enabled} (the
 * default): a pass ({@link Repairs#repairDue()}) every {@code interval} on a daemon thread, from one interval after the
 * context started until it stops (before the MongoDB client closes). Which records are due is decided on the
 * injected clock; tests call {@link #tick()} instead of waiting. A pass that fails (MongoDB unreachable) is logged and
 * the next one comes at the next interval.
 */
public class RepairLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RepairLoop.class);

    /** How long stopping waits for a pass in progress. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Repairs repairs;

    private final Duration interval;

    private final Object tickLock = new Object();

    private volatile BackgroundLoop loop;

    /**
     * @param repairs the repair job
     * @param interval time between two passes (at least 1ms)
     */
    public RepairLoop(Repairs repairs, Duration interval) {
        this.repairs = Objects.requireNonNull(repairs, "repairs");
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException("dualwrite.repair.interval must be at least 1ms, was " + interval);
        }
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = BackgroundLoop.start("dualwrite-repair", interval, this::tick);
        log.info("Repair loop started: a pass every {}", interval);
    }

    @Override
    public synchronized void stop() {
        BackgroundLoop stopping = loop;
        if (stopping == null) {
            return;
        }
        loop = null;
        if (!stopping.stop(STOP_TIMEOUT)) {
            log.warn("A repair pass was still running 5s after shutdown");
        }
    }

    @Override
    public boolean isRunning() {
        return loop != null;
    }

    /**
     * One pass now (never two at once in this process); failures are logged, never thrown. The scheduler calls it;
     * tests may too.
     *
     * @return what the pass did per migration (empty when nothing was due or the pass failed)
     */
    public List<RepairReport> tick() {
        synchronized (tickLock) {
            try {
                return repairs.repairDue();
            }
            catch (RuntimeException ex) {
                log.warn("Repair pass failed; the next one runs in {}: {}", interval, ex.toString());
                return List.of();
            }
        }
    }
}
