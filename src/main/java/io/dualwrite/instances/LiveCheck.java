package io.dualwrite.instances;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The answer to "does every live instance act on this migration at a phase that satisfies the condition?".
 * <p>
 * <b>No live instance</b> (nobody sent a heartbeat within the ttl) is reported as {@code satisfied} with
 * {@code liveInstances == 0}: no instance is known to contradict the condition, and with no instance running nothing
 * writes either. A caller for whom "nobody registered" must not count as a yes checks {@link #liveInstances()}
 * (or {@link #hasLiveInstances()}); {@link #describe()} says "No live instance registered".
 *
 * @param satisfied whether no live instance contradicts the condition
 * @param liveInstances how many instances are live
 * @param offending the live instances that do not satisfy it: at another phase, with an unreadable stored phase, or
 *        not reporting the migration at all
 * @param migrationId the migration checked
 * @param condition what was checked, as a phrase that fits "every live instance is ..." (e.g. "writing both shapes")
 */
public record LiveCheck(boolean satisfied, int liveInstances, List<InstanceStatus> offending, String migrationId,
        String condition) {

    public LiveCheck {
        offending = List.copyOf(offending);
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(condition, "condition");
    }

    /** Whether at least one instance is live (a satisfied check with none is vacuously true). */
    public boolean hasLiveInstances() {
        return liveInstances > 0;
    }

    /**
     * A sentence for operators and refusal messages, for example
     * {@code 2 of 3 live instances are not writing both shapes for migration 'customers-v2': web-1 (host a) at OLD_ONLY,
     * web-2 (host b) at OLD_ONLY.}
     */
    public String describe() {
        String of = "for migration '" + migrationId + "'";
        if (liveInstances == 0) {
            return "No live instance registered (no heartbeat within the ttl), so none is known not to be " + condition
                    + " " + of + ".";
        }
        if (satisfied) {
            return (liveInstances == 1 ? "The one live instance is " : "All " + liveInstances + " live instances are ")
                    + condition + " " + of + ".";
        }
        String who = offending.stream().map(status -> status.describe(migrationId)).collect(Collectors.joining(", "));
        return offending.size() + " of " + liveInstances + " live " + (liveInstances == 1 ? "instance" : "instances")
                + (offending.size() == 1 ? " is" : " are") + " not " + condition + " " + of + ": " + who + ".";
    }

    @Override
    public String toString() {
        return describe();
    }
}
