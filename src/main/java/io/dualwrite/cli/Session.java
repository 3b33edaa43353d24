package io.dualwrite.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.util.StringUtils;

import com.mongodb.ConnectionString;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;

import io.dualwrite.Migration;
import io.dualwrite.MigrationDeclarationException;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration;

/**
 * One execution of the command line: starts the application's Spring context as a non-web application for the
 * command, hands it to the command, turns failures into messages and exit codes, and closes the context. Also relays
 * a stop request (Ctrl-C, SIGTERM) to the command and holds the JVM until the command has reported.
 */
final class Session {

    /** Longest time a stop request waits for the command to report and close the application. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);

    /** Defaults of every command-line run; the application's own configuration may override them. */
    static final Map<String, Object> QUIET = Map.of(
            "logging.level.root", "WARN",
            // a failed start is reported by the command, in one sentence, without the stack trace Boot would log
            "logging.level.org.springframework.boot.SpringApplication", "OFF",
            "logging.level.org.springframework.context", "ERROR",
            // the Togglz starter brings Thymeleaf, which warns that there are no templates
            "spring.thymeleaf.check-template-location", "false");

    private static final Pattern CAUSED_BY = Pattern.compile("caused by \\{([^{}]*)\\}");

    private static final Pattern EXCEPTION = Pattern.compile("exception=\\{([^{}]*)\\}");

    private final Class<?> applicationClass;

    private final Map<String, Object> defaultProperties;

    private final PrintWriter out;

    private final PrintWriter err;

    private final StopSignal stopSignal;

    private final Progress.Mode progressMode;

    private final Duration progressLineInterval;

    /** Set from {@code --mongodb-uri}. */
    private String mongodbUri;

    /** Set from {@code --verbose}. */
    private boolean verbose;

    private volatile boolean stopRequested;

    private final AtomicReference<Runnable> onStop = new AtomicReference<>();

    private CliMongoSettings mongoSettings;

    Session(Class<?> applicationClass, Map<String, Object> defaultProperties, PrintWriter out, PrintWriter err,
            StopSignal stopSignal, Progress.Mode progressMode, Duration progressLineInterval) {
        this.applicationClass = applicationClass;
        this.defaultProperties = defaultProperties;
        this.out = out;
        this.err = err;
        this.stopSignal = stopSignal;
        this.progressMode = progressMode;
        this.progressLineInterval = progressLineInterval;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    Progress.Mode progressMode() {
        return progressMode;
    }

    Duration progressLineInterval() {
        return progressLineInterval;
    }

    void mongodbUri(String uri) {
        this.mongodbUri = uri;
    }

    void verbose(boolean verbose) {
        this.verbose = verbose;
    }

    /** What a command does with the started application; returns an exit code. */
    @FunctionalInterface
    interface Work {

        int run(ConfigurableApplicationContext context) throws Exception;
    }

    /**
     * Starts the application, runs {@code work}, and closes the application; any failure becomes a message on
     * standard error and an exit code.
     */
    int run(Work work) {
        CountDownLatch closed = new CountDownLatch(1);
        StopSignal.Registration registration = stopSignal.onStop(() -> {
            stopRequested = true;
            Runnable action = onStop.get();
            if (action != null) {
                action.run();
            }
            try {
                closed.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        ConfigurableApplicationContext context = null;
        try {
            context = start();
            describeConnection(context);
            return work.run(context);
        }
        catch (Exception ex) {
            return report(ex);
        }
        finally {
            try {
                if (context != null) {
                    context.close();
                }
            }
            finally {
                out.flush();
                err.flush();
                closed.countDown();
                registration.close();
            }
        }
    }

    /**
     * Runs {@code action} when the process is asked to stop (at once if it already was).
     *
     * @return false when the stop was already requested
     */
    boolean whenStopped(Runnable action) {
        onStop.set(action);
        if (stopRequested) {
            action.run();
            return false;
        }
        return true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** The migration, or the failure that ends the command with {@link ExitCodes#UNKNOWN_MIGRATION}. */
    static Migration<?> requireMigration(ConfigurableApplicationContext context, String migrationId) {
        try {
            return context.getBean(MigrationRegistry.class).require(migrationId);
        }
        catch (IllegalArgumentException ex) {
            throw CommandFailure.unknownMigration(ex);
        }
    }

    private ConfigurableApplicationContext start() {
        Map<String, Object> defaults = new LinkedHashMap<>(defaultProperties);
        defaults.putAll(QUIET);
        List<String> arguments = new ArrayList<>(List.of(
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--spring.main.log-startup-info=false",
                // a command-line process serves no traffic: it is no instance of the service
                "--dualwrite.instances.enabled=false",
                // nor does it repair in the background (the repair command repairs once, in the foreground)
                "--dualwrite.repair.enabled=false"));
        if (StringUtils.hasText(mongodbUri)) {
            arguments.add("--spring.mongodb.uri=" + mongodbUri);
        }
        if (verbose) {
            arguments.add("--logging.level.root=INFO");
            arguments.add("--logging.level.org.springframework.boot.SpringApplication=INFO");
        }
        return new SpringApplicationBuilder(applicationClass)
                .web(WebApplicationType.NONE)
                .registerShutdownHook(false) // a stop request goes through the command, which closes the context
                .properties(defaults)
                .initializers(context -> {
                    mongoSettings = new CliMongoSettings(timeoutInUri(context.getEnvironment()
                            .getProperty("spring.mongodb.uri")));
                    context.getBeanFactory().registerSingleton("dualwriteCommandLineMongoSettings", mongoSettings);
                })
                .run(arguments.toArray(String[]::new));
    }

    private static boolean timeoutInUri(String uri) {
        if (!StringUtils.hasText(uri)) {
            return false;
        }
        try {
            ConnectionString connectionString = new ConnectionString(uri);
            return connectionString.getServerSelectionTimeout() != null || connectionString.getTimeout() != null;
        }
        catch (IllegalArgumentException ex) {
            return false; // Spring Boot reports the malformed connection string
        }
    }

    private void describeConnection(ConfigurableApplicationContext context) {
        boolean embedded = context.getBeanProvider(EmbeddedMongoAutoConfiguration.EmbeddedMongoConnectionDetails.class)
                .getIfAvailable() != null;
        String database = context.getBean(MongoDatabaseFactory.class).getMongoDatabase().getName();
        if (embedded) {
            err.println("MongoDB: the embedded in-process server, database '" + database + "' (no --mongodb-uri, "
                    + "MONGODB_URI or spring.mongodb.uri set): this command sees only the data of its own process");
        }
        else {
            err.println("MongoDB: " + hosts() + ", database '" + database + "'");
        }
        err.flush();
    }

    private String hosts() {
        List<String> hosts = mongoSettings == null ? List.of() : mongoSettings.hosts();
        if (!hosts.isEmpty()) {
            return String.join(",", hosts);
        }
        if (StringUtils.hasText(mongodbUri)) {
            try {
                return String.join(",", new ConnectionString(mongodbUri).getHosts());
            }
            catch (IllegalArgumentException ex) {
                // fall through
            }
        }
        return "the configured server";
    }

    /** Prints what went wrong, in a sentence, and returns the exit code. */
    int report(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CommandFailure commandFailure) {
                err.println(commandFailure.getMessage());
                return commandFailure.exitCode();
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof MongoSecurityException) {
                err.println("MongoDB at " + hosts() + " refused the credentials: " + cause.getMessage()
                        + ". Check the user and password in the connection string (--mongodb-uri, MONGODB_URI or "
                        + "spring.mongodb.uri).");
                return ExitCodes.MONGODB_UNREACHABLE;
            }
            if ((cause instanceof MongoTimeoutException || cause instanceof MongoSocketException) && stopRequested) {
                err.println("Stopped, but MongoDB at " + hosts() + " went away before the workers could release their "
                        + "partitions (" + reason(cause) + "; the embedded server stops with this process). Their "
                        + "leases expire after dualwrite.copier.lease-ttl; the run resumes from its checkpoints.");
                return ExitCodes.STOPPED;
            }
            if (cause instanceof MongoTimeoutException || cause instanceof MongoSocketException) {
                err.println("Cannot reach MongoDB at " + hosts() + ": " + reason(cause) + ". Check the server "
                        + "(--mongodb-uri, MONGODB_URI or spring.mongodb.uri), that it runs and that this machine "
                        + "can reach it; nothing was changed.");
                return ExitCodes.MONGODB_UNREACHABLE;
            }
            if (cause instanceof IllegalArgumentException && "Database name must not be empty".equals(cause.getMessage())) {
                err.println("No database to use: name it in the connection string (mongodb://host:port/DATABASE) or "
                        + "set spring.mongodb.database.");
                return ExitCodes.ERROR;
            }
            if (cause instanceof MigrationDeclarationException) {
                err.println("The application failed to start: " + cause.getMessage());
                return ExitCodes.ERROR;
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        err.println("Failed: " + root);
        if (verbose) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            err.print(trace);
        }
        else {
            err.println("(run with --verbose for the details)");
        }
        return ExitCodes.ERROR;
    }

    private String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        String reason = null;
        Matcher causedBy = CAUSED_BY.matcher(message);
        while (causedBy.find()) {
            reason = causedBy.group(1);
        }
        if (reason == null) {
            Matcher exception = EXCEPTION.matcher(message);
            if (exception.find()) {
                reason = exception.group(1);
            }
        }
        if (reason == null) {
            reason = cause instanceof MongoTimeoutException ? "no server answered" : message;
        }
        reason = reason.replaceFirst("^(?:[a-z0-9_]+\\.)+(?=[A-Z])", ""); // java.net.ConnectException -> ConnectException
        if (cause instanceof MongoTimeoutException && mongoSettings != null) {
            reason += " (no server answered within " + mongoSettings.timeoutMillis() + " ms)";
        }
        return reason;
    }
}
