package io.dualwrite.adjacent;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;

/**
 * A driver command listener that can stop a writer thread right before it sends a write to a given collection. The
 * sync driver calls {@link #commandStarted} on the calling thread, so a test can hold an instance between the two
 * writes of a dual write: a deterministic interleaving with another instance.
 */
final class PausingCommands implements CommandListener {

    private static final Set<String> WRITES = Set.of("insert", "update", "delete");

    /** Per thread and collection: what to run before the thread's next write to that collection. */
    private static final Map<Thread, Map<String, Runnable>> HOOKS = new ConcurrentHashMap<>();

    /** Runs {@code hook} once, in the current thread, before this thread next writes to {@code collection}. */
    static void beforeWriting(String collection, Runnable hook) {
        HOOKS.computeIfAbsent(Thread.currentThread(), t -> new ConcurrentHashMap<>()).put(collection, hook);
    }

    static void clear() {
        HOOKS.clear();
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        if (!WRITES.contains(event.getCommandName())) {
            return;
        }
        Map<String, Runnable> hooks = HOOKS.get(Thread.currentThread());
        if (hooks == null) {
            return;
        }
        Runnable hook = hooks.remove(event.getCommand().getString(event.getCommandName()).getValue());
        if (hook != null) {
            hook.run();
        }
    }
}
