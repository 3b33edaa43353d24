package io.dualwrite.cli;

/**
 * Tells a command that the process is asked to stop (Ctrl-C, SIGTERM). The JVM variant runs the action in a shutdown
 * hook, which the JVM waits for before it exits: the action stops the workers and waits until the command has
 * reported and closed the application.
 */
@FunctionalInterface
interface StopSignal {

    /**
     * Runs {@code action} when the process is asked to stop, until the returned registration is closed.
     */
    Registration onStop(Runnable action);

    /** Stops listening. */
    interface Registration extends AutoCloseable {

        @Override
        void close();
    }

    /** Ctrl-C and SIGTERM, through a JVM shutdown hook. */
    static StopSignal jvmShutdown() {
        return action -> {
            Thread hook = new Thread(action, "dualwrite-cli-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            return () -> {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run: nothing to remove
                }
            };
        };
    }
}
