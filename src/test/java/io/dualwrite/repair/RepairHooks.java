package io.dualwrite.repair;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bson.BsonValue;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;

/**
 * A driver command listener that runs an action on the calling thread right before that thread next writes to a
 * collection. The sync driver reports a command on the thread that sends it, so a test can make another write happen
 * exactly between the repair's read of the source shape and its write of the target shape: a deterministic
 * interleaving, without sleeps or threads.
 */
final class RepairHooks implements CommandListener {

    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findAndModify");

    private record Hook(String collection, Runnable action) {
    }

    private static final Map<Thread, List<Hook>> HOOKS = new ConcurrentHashMap<>();

    /** Runs {@code action} once, on the current thread, before its next write to {@code collection}. */
    static void beforeWriting(String collection, Runnable action) {
        HOOKS.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>())
                .add(new Hook(collection, action));
    }

    /** Whether a hook of the current thread has not run yet. */
    static boolean pending() {
        List<Hook> hooks = HOOKS.get(Thread.currentThread());
        return hooks != null && !hooks.isEmpty();
    }

    static void clear() {
        HOOKS.clear();
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        List<Hook> hooks = HOOKS.get(Thread.currentThread());
        if (hooks == null || hooks.isEmpty() || !WRITES.contains(event.getCommandName())) {
            return;
        }
        BsonValue target = event.getCommand().get(event.getCommandName());
        if (target == null || !target.isString()) {
            return;
        }
        for (Hook hook : hooks) {
            if (hook.collection().equals(target.asString().getValue())) {
                hooks.remove(hook); // before it runs: the action's own writes must not trigger it again
                hook.action().run();
                return;
            }
        }
    }
}
