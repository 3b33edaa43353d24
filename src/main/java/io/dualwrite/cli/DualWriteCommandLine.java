package io.dualwrite.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import picocli.CommandLine;

/**
 * The command line of an application that declares dualwrite migrations: {@code copy}, {@code verify},
 * {@code status}, {@code pause}, {@code resume}, {@code cancel}, {@code rate}, {@code cleanup} and {@code repair}
 * (and {@code help}). Each command starts the application's Spring context as a non-web application (no server, no
 * instance registration, no background repair loop), does its work and closes the context. Wire it into your
 * {@code main}:
 *
 * <pre class="code">
 * public static void main(String[] args) {
 *     if (DualWriteCommandLine.isCommand(args)) {
 *         System.exit(DualWriteCommandLine.execute(MyApplication.class, args));
 *     }
 *     SpringApplication.run(MyApplication.class, args);
 * }
 * </pre>
 *
 * The exit codes are those of {@link ExitCodes}. An instance is configured, then executed once; it is not
 * thread-safe.
 */
public final class DualWriteCommandLine {

    /** The command names, in the order {@code --help} lists them. */
    public static final List<String> COMMANDS = List.of("copy", "verify", "reverse-copy", "reverse-verify", "status",
            "pause", "resume", "cancel", "rate", "cleanup", "repair", "help");

    /** How often plain progress lines are printed when standard error is not a terminal. */
    static final Duration DEFAULT_LINE_INTERVAL = Duration.ofSeconds(10);

    private final Class<?> applicationClass;

    private final Map<String, Object> defaultProperties = new LinkedHashMap<>();

    private String commandName = "dualwrite";

    private PrintWriter out;

    private PrintWriter err;

    private StopSignal stopSignal = StopSignal.jvmShutdown();

    private Progress.Mode progressMode = Progress.Mode.detect();

    private Duration progressLineInterval = DEFAULT_LINE_INTERVAL;

    private DualWriteCommandLine(Class<?> applicationClass) {
        this.applicationClass = Objects.requireNonNull(applicationClass, "applicationClass");
    }

    /**
     * Whether the arguments name a command (their first is one of {@link #COMMANDS}), so that {@code main} should
     * hand them to {@link #execute(Class, String...)} rather than start the service.
     */
    public static boolean isCommand(String... args) {
        return args != null && args.length > 0 && COMMANDS.contains(args[0]);
    }

    /**
     * Runs the command in {@code args} on the application's context, printing to standard output and error.
     *
     * @param applicationClass the application's {@code @SpringBootApplication} class
     * @return the exit code (see {@link ExitCodes})
     */
    public static int execute(Class<?> applicationClass, String... args) {
        return forApplication(applicationClass).execute(args);
    }

    /** A command line to configure before {@link #execute(String...)}. */
    public static DualWriteCommandLine forApplication(Class<?> applicationClass) {
        return new DualWriteCommandLine(applicationClass);
    }

    /** The name {@code --help} shows in the usage line, such as {@code java -jar customers.jar}. */
    public DualWriteCommandLine commandName(String commandName) {
        this.commandName = Objects.requireNonNull(commandName, "commandName");
        return this;
    }

    /**
     * Properties of the application's context with the lowest precedence, as
     * {@link org.springframework.boot.SpringApplication#setDefaultProperties(Map)}: the application's configuration
     * files, environment variables and system properties override them.
     */
    public DualWriteCommandLine defaultProperties(Map<String, ?> properties) {
        defaultProperties.putAll(properties);
        return this;
    }

    /** Where the commands print their results ({@code out}) and their progress, notes and errors ({@code err}). */
    public DualWriteCommandLine output(PrintWriter out, PrintWriter err) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.progressMode = progressMode == Progress.Mode.TERMINAL ? Progress.Mode.LINES : progressMode;
        return this;
    }

    /** Replaces Ctrl-C/SIGTERM handling (tests). */
    DualWriteCommandLine stopSignal(StopSignal stopSignal) {
        this.stopSignal = stopSignal;
        return this;
    }

    /** How the progress bar is shown (tests). */
    DualWriteCommandLine progress(Progress.Mode mode, Duration lineInterval) {
        this.progressMode = mode;
        this.progressLineInterval = lineInterval;
        return this;
    }

    /**
     * Parses {@code args} and runs the command.
     *
     * @return the exit code (see {@link ExitCodes})
     */
    public int execute(String... args) {
        PrintWriter out = this.out != null ? this.out
                : new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true);
        PrintWriter err = this.err != null ? this.err
                : new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        Session session = new Session(applicationClass, defaultProperties, out, err, stopSignal, progressMode,
                progressLineInterval);
        CommandLine commandLine = commandLine(session);
        commandLine.setOut(out);
        commandLine.setErr(err);
        try {
            return commandLine.execute(args);
        }
        finally {
            out.flush();
            err.flush();
        }
    }

    private CommandLine commandLine(Session session) {
        CommandLine commandLine = new CommandLine(new RootCommand(session));
        commandLine.setCommandName(commandName);
        commandLine.addSubcommand("copy", new CopyCommand(session));
        commandLine.addSubcommand("verify", new VerifyCommand(session));
        commandLine.addSubcommand("reverse-copy", new ReverseCopyCommand(session));
        commandLine.addSubcommand("reverse-verify", new ReverseVerifyCommand(session));
        commandLine.addSubcommand("status", new StatusCommand(session));
        commandLine.addSubcommand("pause", new ControlCommand.Pause(session));
        commandLine.addSubcommand("resume", new ControlCommand.Resume(session));
        commandLine.addSubcommand("cancel", new ControlCommand.Cancel(session));
        commandLine.addSubcommand("rate", new ControlCommand.Rate(session));
        commandLine.addSubcommand("cleanup", new CleanupCommand(session));
        commandLine.addSubcommand("repair", new RepairCommand(session));
        commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (String line : ExitCodes.HELP) {
            int colon = line.indexOf(':');
            exitCodes.put(String.format("%3s", line.substring(0, colon)), line.substring(colon + 1));
        }
        commandLine.getCommandSpec().usageMessage().exitCodeList(exitCodes);
        commandLine.getSubcommands().forEach((name, sub) -> {
            if (!"help".equals(name)) {
                sub.getCommandSpec().usageMessage().exitCodeList(exitCodes);
            }
        });
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> session.report(ex));
        return commandLine;
    }
}
