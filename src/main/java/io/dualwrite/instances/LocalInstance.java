package io.dualwrite.instances;

import java.net.InetAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.spi.PhaseSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process as the instance registry sees it: who it is, and the phase it acts on for each declared migration
 * (asked from the {@link PhaseSource} at every heartbeat).
 */
public final class LocalInstance {

    private static final Logger log = LoggerFactory.getLogger(LocalInstance.class);

    private final String id;

    private final String host;

    private final String applicationVersion;

    private final Instant startedAt;

    private final MigrationRegistry migrations;

    private final PhaseSource phaseSource;

    /**
     * @param id unique among the instances sharing the database
     * @param host the host name shown to operators
     * @param applicationVersion the service's version, or {@code unknown}
     * @param startedAt when this instance started
     * @param migrations the migrations whose phase is reported
     * @param phaseSource the phase this instance acts on
     */
    public LocalInstance(String id, String host, String applicationVersion, Instant startedAt,
            MigrationRegistry migrations, PhaseSource phaseSource) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("dualwrite.instances.id must not be blank");
        }
        this.id = id;
        this.host = host == null || host.isBlank() ? "unknown" : host;
        this.applicationVersion = applicationVersion == null || applicationVersion.isBlank() ? "unknown"
                : applicationVersion;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt").truncatedTo(ChronoUnit.MILLIS);
        this.migrations = Objects.requireNonNull(migrations, "migrations");
        this.phaseSource = Objects.requireNonNull(phaseSource, "phaseSource");
    }

    public String id() {
        return id;
    }

    public String host() {
        return host;
    }

    public String applicationVersion() {
        return applicationVersion;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /**
     * The phase this instance acts on right now, by migration id, in declaration order. A migration whose phase the
     * source cannot tell is left out (logged), so checks count this instance as not reporting it rather than guessing.
     */
    public Map<String, Phase> currentPhases() {
        Map<String, Phase> phases = new LinkedHashMap<>();
        for (Migration<?> migration : migrations.all()) {
            try {
                Phase phase = phaseSource.currentPhase(migration.id());
                if (phase != null) {
                    phases.put(migration.id(), phase);
                }
            }
            catch (RuntimeException ex) {
                log.warn("Instance '{}' cannot tell the phase of migration '{}' for its heartbeat: {}", id,
                        migration.id(), ex.toString());
            }
        }
        return phases;
    }

    /** The host name: {@code HOSTNAME} (the pod or container name), else {@code COMPUTERNAME}, else the local host name. */
    public static String defaultHost() {
        for (String variable : new String[] { "HOSTNAME", "COMPUTERNAME" }) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (Exception ex) {
            return "unknown";
        }
    }

    /**
     * A fresh id, {@code <host>-<pid>-<4 hex digits>}: two processes on one host differ by their pid, and two
     * application contexts in one JVM (tests, or a copier started inside a service) by the random suffix.
     */
    public static String defaultId(String host) {
        return host + "-" + ProcessHandle.current().pid() + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    @Override
    public String toString() {
        return "instance " + id + " (host " + host + ", version " + applicationVersion + ")";
    }
}
