package io.dualwrite.copier;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.bson.BsonValue;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;

/**
 * A driver command listener that runs a hook on the calling thread right before that thread sends a given command to
 * a given collection. The sync driver calls {@link #commandStarted} on the thread that issues the command, so a test
 * can hold a writer between the two writes of a dual write, or a copier process between two of its reads, and let
 * another instance act in between: a deterministic interleaving, without sleeps.
 */
final class CommandHooks implements CommandListener {

    /** The commands a write through the layer or the copier sends. */
    static final Set<String> WRITES = Set.of("insert", "update", "delete", "findAndModify");

    private record Hook(Set<String> commands, String collection, AtomicInteger skip, Runnable action) {
    }

    private static final Map<Thread, List<Hook>> HOOKS = new ConcurrentHashMap<>();

    /** Runs {@code action} once, on the current thread, before its next write to {@code collection}. */
    static void beforeWriting(String collection, Runnable action) {
        before(WRITES, collection, 0, action);
    }

    /**
     * Runs {@code action} once, on the current thread, before it sends one of {@code commands} to
     * {@code collection} for the {@code (skip + 1)}-th time from now.
     */
    static void before(Set<String> commands, String collection, int skip, Runnable action) {
        HOOKS.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>())
                .add(new Hook(commands, collection, new AtomicInteger(skip), action));
    }

    static void clear() {
        HOOKS.clear();
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        List<Hook> hooks = HOOKS.get(Thread.currentThread());
        if (hooks == null || hooks.isEmpty()) {
            return;
        }
        BsonValue target = event.getCommand().get(event.getCommandName());
        if (target == null || !target.isString()) {
            return;
        }
        String collection = target.asString().getValue();
        for (Hook hook : hooks) {
            if (hook.commands().contains(event.getCommandName()) && hook.collection().equals(collection)
                    && hook.skip().getAndDecrement() == 0) {
                hooks.remove(hook);
                hook.action().run();
                return;
            }
        }
    }
}
