package io.dualwrite.sample.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import org.bson.Document;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.util.StringUtils;

import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.Verifier;
import io.dualwrite.sample.Customer;
import io.dualwrite.sample.CustomerMigrationConfiguration;
import io.dualwrite.sample.CustomerRepository;
import io.dualwrite.sample.CustomersApplication;
import io.dualwrite.sample.LegacyUserMapping;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.PhaseToggles;

/**
 * The whole migration in one command ({@code java -jar dualwrite-<version>-exec.jar demo}): the sample service starts
 * (without its web server) on a fresh database, legacy users are seeded, writer threads create, update and delete
 * customers through {@link CustomerRepository} the whole time, and the migration {@code customers-v2} goes through
 * every phase with a copy and a verification on the way. At the end every acknowledged write is checked against the
 * final new shape by the {@link FinalStateChecker}, and the last line says what it found:
 *
 * <pre>
 * demo: N documents, lost updates L, resurrected R, divergent D
 * </pre>
 *
 * The exit code is 0 when all three are 0, 1 otherwise (or when a step fails), 2 for bad flags.
 */
public final class Demo {

    private static final String MIGRATION = CustomerMigrationConfiguration.MIGRATION_ID;

    private static final Duration PHASE_WAIT_LIMIT = Duration.ofSeconds(10);

    private static final int VERIFY_ATTEMPTS = 3;

    private static final int FINDINGS_SHOWN = 10;

    private final DemoOptions options;

    private final PrintStream out;

    private final long startNanos = System.nanoTime();

    private Traffic traffic;

    private Traffic.Snapshot lastTraffic;

    private long lastTrafficNanos;

    private long trafficStartNanos;

    private Demo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs the demo, printing to standard output (errors to standard error).
     *
     * @param args the flags (see {@link DemoOptions#USAGE})
     * @return the exit code: 0 clean, 1 problems found or a step failed, 2 bad flags
     */
    public static int run(String... args) {
        return run(System.out, System.err, args);
    }

    /** {@link #run(String...)} printing to the given streams. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        }
        catch (IllegalArgumentException ex) {
            err.println("demo: " + ex.getMessage());
            err.println(DemoOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(DemoOptions.USAGE);
            return 0;
        }
        return new Demo(options, out).execute(err);
    }

    private int execute(PrintStream err) {
        String database = "dualwrite_demo_" + System.currentTimeMillis() + "_"
                + ThreadLocalRandom.current().nextInt(1000, 10000);
        out.printf(Locale.ROOT, "demo: migration %s with live traffic: %,d legacy users, %d writers, %s s of traffic "
                + "per phase%n", MIGRATION, options.users(), options.writers(), number(options.seconds()));
        ConfigurableApplicationContext context = null;
        FinalStateChecker.Verdict verdict;
        try {
            context = start(database);
            verdict = migrate(context);
        }
        catch (Exception ex) {
            stopTraffic();
            err.println("demo: failed: " + ex);
            if (options.verbose()) {
                ex.printStackTrace(err);
            }
            close(context, database);
            return 1;
        }
        close(context, database);
        progress("done in %.1f s", seconds(startNanos));
        out.println(verdict.line());
        out.flush();
        return verdict.isClean() ? 0 : 1;
    }

    // ---------------------------------------------------------------- the steps

    private ConfigurableApplicationContext start(String database) {
        SpringApplication application = new SpringApplication(CustomersApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setLogStartupInfo(options.verbose());
        Map<String, Object> properties = new HashMap<>(CustomersApplication.defaultProperties());
        properties.put("spring.mongodb.database", database);
        properties.put("customers.seed.count", Integer.toString(options.users()));
        properties.put("dualwrite.copier.poll-interval", "100ms");
        // the demo closes its context itself; without Boot's logging shutdown hook, logback stays configured while
        // the JVM exits, so the embedded server's goodbye is filtered like any INFO line instead of making logback
        // print "No appenders present" after the verdict, which must stay the last line
        properties.put("logging.register-shutdown-hook", "false");
        if (!options.verbose()) {
            properties.put("logging.level.root", "WARN");
        }
        application.setDefaultProperties(properties);
        ConfigurableApplicationContext context = application.run();
        String uri = context.getEnvironment().getProperty("spring.mongodb.uri");
        progress("the customers service is up (no web server), on %s, database %s",
                StringUtils.hasText(uri) ? "the MongoDB of spring.mongodb.uri" : "the embedded in-process MongoDB",
                database);
        return context;
    }

    private FinalStateChecker.Verdict migrate(ConfigurableApplicationContext context) throws Exception {
        CustomerRepository customers = context.getBean(CustomerRepository.class);
        MongoTemplate mongo = context.getBean(MongoTemplate.class);
        PhaseSource phases = context.getBean(PhaseSource.class);

        Ledger ledger = new Ledger();
        List<String> legacyIds = recordLegacyUsers(mongo, ledger);
        progress("%,d legacy users in '%s' (old shape), %,d customers in '%s' (new shape); phase %s",
                legacyIds.size(), CustomerMigrationConfiguration.LEGACY_COLLECTION,
                mongo.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).countDocuments(),
                CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, phases.currentPhase(MIGRATION));

        traffic = new Traffic(customers, ledger, options.writers(), legacyIds,
                () -> phases.currentPhase(MIGRATION).name(), 20240501L, options.rate());
        lastTraffic = traffic.snapshot();
        lastTrafficNanos = System.nanoTime();
        trafficStartNanos = lastTrafficNanos;
        traffic.start();
        progress("traffic: %d writers create, update and delete customers through CustomerRepository from now on%s",
                options.writers(), options.rate() > 0 ? String.format(Locale.ROOT, " (up to %s operations/s each)",
                        number(options.rate())) : "");
        pause();
        trafficReport(Phase.OLD_ONLY);

        switchTo(context, Phase.READ_OLD_WRITE_BOTH);
        copy(context.getBean(Copier.class));
        verify(context.getBean(Verifier.class));
        trafficReport(Phase.READ_OLD_WRITE_BOTH);

        switchTo(context, Phase.READ_NEW_WRITE_BOTH);
        pause();
        trafficReport(Phase.READ_NEW_WRITE_BOTH);

        switchTo(context, Phase.READ_NEW_WRITE_NEW);
        pause();
        trafficReport(Phase.READ_NEW_WRITE_NEW);

        traffic.stop();
        Traffic.Snapshot total = traffic.snapshot();
        progress("traffic stopped; in all %s", total.describe(seconds(trafficStartNanos)));
        traffic = null;

        return check(ledger, customers, mongo);
    }

    /** Reads the seeded legacy documents and records, for each, the customer its mapping gives. */
    private static List<String> recordLegacyUsers(MongoTemplate mongo, Ledger ledger) {
        LegacyUserMapping mapping = new LegacyUserMapping();
        List<String> ids = new ArrayList<>();
        for (Document user : mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).find()
                .sort(Sorts.ascending("_id"))) {
            String id = user.getString("_id");
            ledger.legacy(id, CustomerState.of(mapping.fromDocument(user)));
            ids.add(id);
        }
        return ids;
    }

    private void switchTo(ConfigurableApplicationContext context, Phase phase) throws InterruptedException {
        PhaseSource phases = context.getBean(PhaseSource.class);
        long requested = System.nanoTime();
        context.getBean(PhaseToggles.class).requestPhase(MIGRATION, phase, "demo");
        long deadline = requested + PHASE_WAIT_LIMIT.toNanos();
        while (phases.currentPhase(MIGRATION) != phase) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the instance still acts on " + phases.currentPhase(MIGRATION)
                        + " " + PHASE_WAIT_LIMIT.toSeconds() + " s after " + phase + " was requested");
            }
            Thread.sleep(5);
        }
        progress("phase %s requested through the shared toggle; this instance acts on it %.2f s later", phase,
                seconds(requested));
    }

    private void copy(Copier copier) throws InterruptedException {
        long started = System.nanoTime();
        JobRun run = await(copier.start(MIGRATION, JobOptions.defaults().withWorkers(2)));
        progress("copy %s in %.1f s: %s", run.status().name().toLowerCase(Locale.ROOT), seconds(started),
                JobReport.summary(run));
        progress("copy started while every instance wrote both shapes: %s (%s)", run.allWritingBothAtStart() ? "yes"
                : "NO", run.startCondition());
    }

    private void verify(Verifier verifier) throws InterruptedException {
        for (int attempt = 1; attempt <= VERIFY_ATTEMPTS; attempt++) {
            long started = System.nanoTime();
            JobRun run = await(verifier.start(MIGRATION, JobOptions.defaults().withWorkers(2)));
            progress("verify %s in %.1f s: %s", run.status().name().toLowerCase(Locale.ROOT), seconds(started),
                    JobReport.summary(run));
            if (run.isClean()) {
                return;
            }
            run.examples().stream().limit(5).forEach(difference -> progress("  %s %s: %s%s", difference.kind(),
                    difference.id(), difference.detail(),
                    difference.fields().isEmpty() ? "" : " " + difference.fields()));
            if (attempt < VERIFY_ATTEMPTS) {
                progress("verify again: differences seen while writes are in flight settle; real ones stay");
            }
        }
        progress("verification is still not clean; going on, the final check tells what it costs");
    }

    /** Waits for a run, printing its progress every second. */
    private JobRun await(JobHandle handle) throws InterruptedException {
        while (!handle.await(Duration.ofSeconds(1))) {
            JobRun run = handle.run();
            progress("  %s: %,d of ~%,d documents (%.0f%%), %,.0f/s, partitions %d/%d done", run.kind().tag(),
                    run.processed(), run.estimatedTotal(), run.fractionDone() * 100, run.averageRate(Instant.now()),
                    run.partitionsDone(), run.partitions());
        }
        JobRun run = handle.run();
        if (handle.failure() != null) {
            throw new IllegalStateException("the " + run.kind().tag() + " run " + run.id() + " gave up: "
                    + handle.failure(), handle.failure());
        }
        return run;
    }

    private FinalStateChecker.Verdict check(Ledger ledger, CustomerRepository customers, MongoTemplate mongo) {
        long started = System.nanoTime();
        Map<String, Document> raw = new LinkedHashMap<>();
        for (Document document : mongo.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).find()) {
            raw.put(String.valueOf(document.get("_id")), document);
        }
        Set<String> ids = new TreeSet<>(ledger.ids());
        ids.addAll(raw.keySet());
        Map<String, Customer> read = new HashMap<>();
        List<String> chunk = new ArrayList<>();
        for (String id : ids) {
            chunk.add(id);
            if (chunk.size() == 1000) {
                customers.findAllById(chunk).forEach(customer -> read.put(customer.getId(), customer));
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            customers.findAllById(chunk).forEach(customer -> read.put(customer.getId(), customer));
        }
        FinalStateChecker.Verdict verdict = new FinalStateChecker().check(ledger, raw, read);
        long live = raw.values().stream().filter(d -> !Boolean.TRUE.equals(d.get(FinalStateChecker.TOMBSTONE_MARKER)))
                .count();
        progress("check: %,d ids (%,d live customers, %,d tombstones in '%s') compared raw and through "
                + "CustomerRepository with the demo's own record, in %.1f s", verdict.documents(), live,
                raw.size() - live, CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, seconds(started));
        verdict.findings().stream().limit(FINDINGS_SHOWN).forEach(finding -> progress("  %s", finding));
        if (verdict.findings().size() > FINDINGS_SHOWN) {
            progress("  ... and %,d more", verdict.findings().size() - FINDINGS_SHOWN);
        }
        return verdict;
    }

    // ---------------------------------------------------------------- helpers

    private void pause() throws InterruptedException {
        Thread.sleep((long) (options.seconds() * 1000));
    }

    private void trafficReport(Phase phase) {
        Traffic.Snapshot now = traffic.snapshot();
        long nanos = System.nanoTime();
        progress("traffic in %s: %s", phase, now.since(lastTraffic).describe((nanos - lastTrafficNanos) / 1e9));
        lastTraffic = now;
        lastTrafficNanos = nanos;
    }

    private void stopTraffic() {
        if (traffic != null) {
            try {
                traffic.stop();
            }
            catch (InterruptedException | RuntimeException ex) {
                Thread.currentThread().interrupt();
            }
            traffic = null;
        }
    }

    private void close(ConfigurableApplicationContext context, String database) {
        if (context == null) {
            return;
        }
        try {
            if (!options.keep()) {
                context.getBean(MongoTemplate.class).getDb().drop();
            }
            else {
                progress("kept database %s", database);
            }
        }
        catch (RuntimeException ex) {
            progress("could not drop database %s: %s", database, ex);
        }
        context.close();
    }

    private void progress(String format, Object... args) {
        out.printf(Locale.ROOT, "[%5.1fs] %s%n", seconds(startNanos), String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
