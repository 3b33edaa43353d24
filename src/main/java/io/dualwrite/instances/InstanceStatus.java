package io.dualwrite.instances;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.dualwrite.Phase;

/**
 * What one instance last reported with its heartbeat.
 *
 * @param id the instance id ({@code dualwrite.instances.id})
 * @param host the host the instance runs on
 * @param applicationVersion the version of the service it runs, or {@code unknown}
 * @param startedAt when the instance started (by its clock)
 * @param lastHeartbeat when it last reported (by its clock)
 * @param phases the phase it acts on, by migration id
 * @param unreadablePhases stored phase values that are not a phase, by migration id, as stored (never acted upon:
 *        every check counts such an instance as not satisfying it)
 */
public record InstanceStatus(String id, String host, String applicationVersion, Instant startedAt,
        Instant lastHeartbeat, Map<String, Phase> phases, Map<String, String> unreadablePhases) {

    public InstanceStatus {
        Objects.requireNonNull(id, "id");
        phases = Map.copyOf(phases);
        unreadablePhases = Map.copyOf(unreadablePhases);
    }

    /** A status whose phases are all readable. */
    public InstanceStatus(String id, String host, String applicationVersion, Instant startedAt, Instant lastHeartbeat,
            Map<String, Phase> phases) {
        this(id, host, applicationVersion, startedAt, lastHeartbeat, phases, Map.of());
    }

    /** The phase the instance reported for the migration; empty when it reported none or an unreadable one. */
    public Optional<Phase> phase(String migrationId) {
        return Optional.ofNullable(phases.get(migrationId));
    }

    /**
     * Where the instance stands on a migration, for messages: {@code web-1 (host a) at OLD_ONLY},
     * {@code web-1 (host a) with unreadable stored phase 'SIDEWAYS'} or {@code web-1 (host a) not reporting the migration}.
     */
    public String describe(String migrationId) {
        String who = id + " (host " + host + ")";
        Phase phase = phases.get(migrationId);
        if (phase != null) {
            return who + " at " + phase;
        }
        if (unreadablePhases.containsKey(migrationId)) {
            return who + " with unreadable stored phase '" + unreadablePhases.get(migrationId) + "'";
        }
        return who + " not reporting the migration";
    }
}
