package io.dualwrite.status;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.dualwrite.Phase;
import io.dualwrite.instances.InstanceStatus;

/**
 * What puts one of DESIGN.md's invariants at risk right now, as sentences that say what to do: the rules behind the
 * health contribution ({@code DOWN} when any applies) and the {@code problems} of a status.
 * <ul>
 * <li>failed second writes not repaired yet: the shape they missed lacks acknowledged writes (invariant 4);</li>
 * <li>live instances acting on phases more than one step apart: the write protocol is only safe for adjacent
 * phases;</li>
 * <li>this instance does not follow the shared toggle state (a state written around the guard, invalid or
 * unreadable): it keeps its last valid phase while the others may move on.</li>
 * </ul>
 */
public final class Invariants {

    private Invariants() {
    }

    /**
     * @param migrationId the migration
     * @param unrepaired failed second writes not repaired yet
     * @param live the live instances
     * @param conflict why this instance does not follow the shared toggle state; {@code null} when it does
     * @return the problems, empty when none
     */
    public static List<String> atRisk(String migrationId, long unrepaired, List<InstanceStatus> live,
            String conflict) {
        List<String> problems = new ArrayList<>();
        if (unrepaired > 0) {
            problems.add(unrepaired + " failed second write" + (unrepaired == 1 ? " is" : "s are") + " not repaired "
                    + "yet: the shape " + (unrepaired == 1 ? "it" : "they") + " missed lacks acknowledged writes until "
                    + "the repair job or a copier run mends " + (unrepaired == 1 ? "it" : "them")
                    + " (records with repaired:false in dualwrite_repairs)");
        }
        String spread = nonAdjacent(migrationId, live);
        if (spread != null) {
            problems.add(spread);
        }
        if (conflict != null && !conflict.isBlank()) {
            problems.add("this instance does not follow the shared phase toggle: " + conflict);
        }
        return problems;
    }

    /** Whether the phases reported by the live instances are at most one step apart. */
    public static boolean adjacent(String migrationId, List<InstanceStatus> live) {
        return nonAdjacent(migrationId, live) == null;
    }

    private static String nonAdjacent(String migrationId, List<InstanceStatus> live) {
        Map<Phase, TreeSet<String>> byPhase = new EnumMap<>(Phase.class);
        for (InstanceStatus instance : live) {
            instance.phase(migrationId)
                    .ifPresent(phase -> byPhase.computeIfAbsent(phase, p -> new TreeSet<>()).add(instance.id()));
        }
        if (byPhase.isEmpty()) {
            return null;
        }
        Phase lowest = byPhase.keySet().iterator().next();
        Phase highest = lowest;
        for (Phase phase : byPhase.keySet()) {
            highest = phase;
        }
        if (lowest.isAdjacentTo(highest)) {
            return null;
        }
        String who = byPhase.entrySet().stream()
                .map(entry -> entry.getKey() + " on " + String.join(", ", entry.getValue()))
                .collect(Collectors.joining("; "));
        return "live instances act on phases more than one step apart (" + who + "): only adjacent phases may be live "
                + "at once. Find out why the instances at " + lowest + " did not follow the shared phase (a stopped "
                + "poller, an old release); restart them or roll the others back one step";
    }
}
