package io.dualwrite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.cli.CommandLineRuns.Result;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.TestMigrations;

/**
 * The command line run in-process on the fixture application and the shared embedded server: every command's output
 * and exit code, that a copy really copies, that bad input changes nothing, and an orderly stop that a later copy
 * resumes.
 */
@ExtendWith(OutputCaptureExtension.class)
class DualWriteCommandLineTests {

    private static final String DATABASE = "cli_tests";

    /** A long-lived context on the same database: seeds data, reads results, runs workers of its own. */
    private static ConfigurableApplicationContext fixture;

    private static MongoDatabase database;

    private final ManualStop stop = new ManualStop();

    @BeforeAll
    static void start() {
        fixture = Fixtures.start(DATABASE, "dualwrite.copier.poll-interval=20ms");
        database = Fixtures.database(fixture);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(fixture);
    }

    private Result run(String... args) {
        return CommandLineRuns.execute(CommandLineRuns.fixture(DATABASE)
                .defaultProperties(Map.of("dualwrite.copier.poll-interval", "20ms"))
                .progress(Progress.Mode.LINES, Duration.ZERO)
                .stopSignal(stop), args);
    }

    // ------------------------------------------------------------------ copy and verify

    @Test
    void copyCopiesTheLegacyDocumentsShowingProgressAndExitsZero() {
        seedLegacy(250);

        Result result = run("copy", "--migration", TestMigrations.PEOPLE, "--batch", "50", "--workers", "2");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.OK);
        assertThat(collection("people_v2").countDocuments()).isEqualTo(250);
        assertThat(collection("people_v2").find(Filters.eq("_id", "p00042")).first().getString("firstName"))
                .isEqualTo("First42");
        assertThat(result.err()).contains("MongoDB: the embedded in-process server, database '" + DATABASE + "'")
                .contains("Started copy run people-v2-copy-")
                .contains("about 250 documents").contains("batches of 50").contains("2 worker(s) in this process");
        assertThat(result.err()).as("the final progress line").contains("copy people-v2 100%")
                .contains("250/250 docs").contains("finished, ").contains("copied 250, skipped 0, dead 0");
        assertThat(result.out()).contains("Copy run people-v2-copy-").contains("finished in")
                .contains("250 documents scanned: copied 250, skipped as newer 0, dead-lettered 0");
        assertThat(result.err()).as("the fixture's phase is OLD_ONLY")
                .contains("Warning: this copy started while not every instance wrote both shapes");
    }

    @Test
    void verifyExitsZeroWhenCleanAndSixWithFieldDiffsWhenNot() {
        seedLegacy(30);
        assertThat(run("copy", "--migration", TestMigrations.PEOPLE, "--no-progress").exitCode()).isZero();

        Result clean = run("verify", "--migration", TestMigrations.PEOPLE, "--no-progress");
        assertThat(clean.exitCode()).as(clean.err()).isEqualTo(ExitCodes.OK);
        assertThat(clean.out()).contains("60 documents compared").contains("(clean)").contains("Clean:");
        assertThat(clean.err()).as("--no-progress").doesNotContain("verify people-v2 ");

        collection("people_v2").updateOne(Filters.eq("_id", "p00002"),
                new Document("$set", new Document("lastName", "Changed")));
        collection("people_v2").deleteOne(Filters.eq("_id", "p00003"));
        Result dirty = run("verify", "--migration", TestMigrations.PEOPLE);

        assertThat(dirty.exitCode()).isEqualTo(ExitCodes.FINISHED_WITH_PROBLEMS);
        assertThat(dirty.out()).contains("missing 1").contains("different 1").contains("(NOT clean)")
                .contains("NOT clean: 2 difference(s).")
                .contains("different p00002").contains("lastName: expected \"Last2\", found \"Changed\"")
                .contains("missing p00003");
        assertThat(dirty.err()).contains("verify people-v2 100%").contains("missing 1, stale 0, different 1");
    }

    @Test
    void aCopyThatDeadLettersDocumentsExitsSixAndListsThem() {
        seedLegacy(20);
        collection("people_v1").updateOne(Filters.eq("_id", "p00007"),
                new Document("$set", new Document("age_text", "seven")));

        Result result = run("copy", "--migration", TestMigrations.PEOPLE, "--no-progress");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.FINISHED_WITH_PROBLEMS);
        assertThat(result.out()).contains("copied 19").contains("dead-lettered 1");
        assertThat(result.err()).contains("1 document(s) could not be copied and were dead-lettered")
                .contains("p00007: ").contains("seven");
        assertThat(collection("people_v2").countDocuments()).isEqualTo(19);
    }

    @Test
    void aStopRequestStopsTheWorkersInOrderAndALaterCopyResumesTheRun() throws Exception {
        seedLegacy(200);
        CompletableFuture<Result> first = CompletableFuture.supplyAsync(
                () -> run("copy", "--migration", TestMigrations.PEOPLE, "--batch", "5", "--rate", "50"));
        Copier copier = fixture.getBean(Copier.class);
        JobRun active = awaitProgress(copier);

        stop.fire();
        Result stopped = first.get(30, TimeUnit.SECONDS);

        assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(ExitCodes.STOPPED);
        assertThat(stopped.err()).contains("Stop requested").contains("Stopped: the workers of this process released "
                + "their partitions. The run stays running");
        JobRun afterStop = copier.active(TestMigrations.PEOPLE).orElseThrow();
        assertThat(afterStop.id()).isEqualTo(active.id());
        assertThat(afterStop.processed()).isBetween(1L, 199L);
        assertThat(database.getCollection("dualwrite_job_partitions").countDocuments(Filters.and(
                Filters.eq("run", active.id()), Filters.ne("owner", null)))).as("leases released").isZero();

        Result resumed = run("copy", "--migration", TestMigrations.PEOPLE, "--no-progress");

        assertThat(resumed.exitCode()).as(resumed.err()).isEqualTo(ExitCodes.OK);
        assertThat(resumed.err()).contains("Joined copy run " + active.id()).contains("at most 50 documents/s");
        assertThat(copier.latestFinished(TestMigrations.PEOPLE).orElseThrow().id()).isEqualTo(active.id());
        assertThat(collection("people_v2").countDocuments()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ status and control

    @Test
    void statusShowsEveryMigrationOrOne() {
        seedLegacy(10);
        assertThat(run("copy", "--migration", TestMigrations.PEOPLE, "--no-progress").exitCode()).isZero();

        Result all = run("status");
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("people-v2: phase OLD_ONLY").contains("members-v2: phase OLD_ONLY")
                .contains("latest finished: run people-v2-copy-")
                .contains("10 documents scanned: copied 10")
                .contains("started while every instance wrote both: no (the shared phase was OLD_ONLY")
                .contains("verify: no run yet").contains("dead letters: 0");

        Result one = run("status", "--migration", TestMigrations.MEMBERS);
        assertThat(one.exitCode()).isZero();
        assertThat(one.out()).contains("members-v2: phase OLD_ONLY").contains("copy:   no run yet")
                .doesNotContain("people-v2");
    }

    @Test
    void pauseResumeRateAndCancelControlTheActiveRunOfAnotherProcess() throws Exception {
        seedLegacy(1_000);
        Copier copier = fixture.getBean(Copier.class);
        // one batch of 10, then a wait of 20 s before the next: the run stays active for minutes
        JobHandle handle = copier.start(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10).withRate(0.5));
        try {
            awaitProgress(copier);
            Result status = run("status", "--migration", TestMigrations.PEOPLE);
            assertThat(status.out()).contains("active: copy run " + handle.runId()).contains(" running: ");

            Result paused = run("pause", "--migration", TestMigrations.PEOPLE);
            assertThat(paused.exitCode()).as(paused.err()).isZero();
            assertThat(paused.out()).contains("Paused copy run " + handle.runId());
            assertThat(handle.run().status()).isEqualTo(JobStatus.PAUSED);
            assertThat(awaitNoLease(handle.runId())).as("the worker gives its partition back without waiting out "
                    + "the rate limit").isTrue();

            Result again = run("pause", "--migration", TestMigrations.PEOPLE);
            assertThat(again.exitCode()).isEqualTo(ExitCodes.REFUSED);
            assertThat(again.err()).contains("Cannot pause the copy run " + handle.runId()).contains("it is paused");
            assertThat(handle.run().status()).isEqualTo(JobStatus.PAUSED);

            assertThat(run("resume", "--migration", TestMigrations.PEOPLE).exitCode()).isZero();
            assertThat(handle.run().status()).isEqualTo(JobStatus.RUNNING);

            Result rate = run("rate", "--migration", TestMigrations.PEOPLE, "--rate", "3");
            assertThat(rate.exitCode()).isZero();
            assertThat(rate.out()).contains("Set the rate limit of copy run " + handle.runId() + " of 'people-v2' to 3 "
                    + "documents/s");
            assertThat(handle.run().rate()).isEqualTo(3);

            Result verifyPause = run("pause", "--migration", TestMigrations.PEOPLE, "--job", "verify");
            assertThat(verifyPause.exitCode()).isEqualTo(ExitCodes.REFUSED);
            assertThat(verifyPause.err()).contains("Cannot pause a verify run of migration 'people-v2': none is "
                    + "running or paused");

            Result cancelled = run("cancel", "--migration", TestMigrations.PEOPLE);
            assertThat(cancelled.exitCode()).isZero();
            assertThat(cancelled.out()).contains("Cancelled copy run " + handle.runId());
            assertThat(handle.run().status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(handle.await(Duration.ofSeconds(20))).as("the other process's workers stop").isTrue();

            Result nothingLeft = run("resume", "--migration", TestMigrations.PEOPLE);
            assertThat(nothingLeft.exitCode()).isEqualTo(ExitCodes.REFUSED);
            assertThat(nothingLeft.err()).contains("none is running or paused; start one first");
        }
        finally {
            handle.stop();
            handle.await(Duration.ofSeconds(20));
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void anUnknownMigrationExitsThreeListingTheDeclaredOnesAndChangesNothing(CapturedOutput output) {
        seedLegacy(5);
        for (String command : List.of("copy", "verify", "status", "pause", "resume", "cancel")) {
            Result result = run(command, "--migration", "nope");
            assertThat(result.exitCode()).as(command).isEqualTo(ExitCodes.UNKNOWN_MIGRATION);
            assertThat(result.err()).as(command).contains("No migration 'nope' is declared; declared migrations: "
                    + "people-v2, members-v2");
        }
        Result rate = run("rate", "--migration", "nope", "--rate", "5");
        assertThat(rate.exitCode()).isEqualTo(ExitCodes.UNKNOWN_MIGRATION);
        assertThat(database.getCollection("dualwrite_jobs").countDocuments()).isZero();
        assertThat(collection("people_v2").countDocuments()).isZero();
        assertThat(output.getAll()).doesNotContain("\tat ");
    }

    @Test
    void badFlagsAndNumbersAreUsageErrorsNamingTheRule() {
        assertUsageError(run("copy", "--migration", TestMigrations.PEOPLE, "--batch", "0"),
                "Invalid value for option '--batch': batch size must be between 1 and 100000, got 0");
        assertUsageError(run("copy", "--migration", TestMigrations.PEOPLE, "--workers", "300"),
                "Invalid value for option '--workers': workers must be between 1 and 256, got 300");
        assertUsageError(run("verify", "--migration", TestMigrations.PEOPLE, "--partitions", "-1"),
                "partitions must be between 1 and 10000, got -1");
        assertUsageError(run("copy", "--migration", TestMigrations.PEOPLE, "--rate", "-5"),
                "rate must be 0 (unlimited) or a positive number of documents per second, got -5.0");
        assertUsageError(run("copy", "--migration", TestMigrations.PEOPLE, "--workers", "two"),
                "Invalid value for option '--workers': 'two' is not an int");
        assertUsageError(run("copy"), "Missing required option: '--migration=ID'");
        assertUsageError(run("copy", "--migration", TestMigrations.PEOPLE, "--fast"), "Unknown option: '--fast'");
        assertUsageError(run("rate", "--migration", TestMigrations.PEOPLE, "--rate", "-1"),
                "Invalid value for option '--rate': it must be 0 (no limit) or a positive number");
        assertUsageError(run("rate", "--migration", TestMigrations.PEOPLE), "Missing required option: '--rate");
        assertUsageError(run("pause", "--migration", TestMigrations.PEOPLE, "--job", "backup"),
                "'backup' is not a job: use copy, verify, reverse-copy or reverse-verify");
        Result unknownCommand = run("frobnicate");
        assertThat(unknownCommand.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownCommand.err()).contains("Unmatched argument at index 0: 'frobnicate'");
        assertUsageError(run(), "Missing command: one of copy, verify, reverse-copy, reverse-verify, status, pause, "
                + "resume, cancel, rate, ");
        assertUsageError(run("status", "--mongodb-uri", "localhost:27017"), "Invalid value for option "
                + "'--mongodb-uri': The connection string is invalid");
        assertThat(database.getCollection("dualwrite_jobs").countDocuments()).isZero();
    }

    private static void assertUsageError(Result result, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(message).contains("Usage: dualwrite");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void anUnreachableServerExitsFourWithinTheTimeoutWithoutAStackTrace(CapturedOutput output) {
        long started = System.nanoTime();
        Result copy = run("copy", "--migration", TestMigrations.PEOPLE,
                "--mongodb-uri", "mongodb://127.0.0.1:1/people?serverSelectionTimeoutMS=500");
        // the option is shared by every command, before or after the command's name
        Result status = run("--mongodb-uri", "mongodb://127.0.0.1:1/people?serverSelectionTimeoutMS=500", "status");

        for (Result result : List.of(copy, status)) {
            assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.MONGODB_UNREACHABLE);
            assertThat(result.err()).contains("Cannot reach MongoDB at 127.0.0.1:1: ConnectException: Connection "
                    + "refused").contains("within 500 ms").contains("nothing was changed");
            assertThat(result.out()).isEmpty();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(output.getAll()).doesNotContain("\tat ").doesNotContain("Application run failed");
        assertThat(database.getCollection("dualwrite_jobs").countDocuments()).isZero();
    }

    @Test
    void aConnectionStringWithoutADatabaseIsRefusedClearly() {
        Result result = run("status", "--mongodb-uri", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(result.err()).contains("No database to use: name it in the connection string "
                + "(mongodb://host:port/DATABASE) or set spring.mongodb.database");
    }

    @Test
    void withoutATimeoutInTheUriTheCommandLineGivesUpAfterFiveSeconds() {
        long started = System.nanoTime();
        Result result = run("status", "--mongodb-uri", "mongodb://127.0.0.1:1/people");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.MONGODB_UNREACHABLE);
        assertThat(result.err()).contains("Cannot reach MongoDB at 127.0.0.1:1").contains("within 5000 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(25));
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        Result help = run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("copy").contains("verify").contains("status").contains("pause")
                .contains("resume").contains("cancel").contains("rate").contains("Exit codes:")
                .contains("6   finished with problems");

        Result copyHelp = run("copy", "--help");
        assertThat(copyHelp.exitCode()).isZero();
        assertThat(copyHelp.out()).contains("--migration=ID").contains("--workers=N").contains("--rate=DOCS_PER_S")
                .contains("--batch=N").contains("--partitions=N").contains("--no-progress").contains("--mongodb-uri")
                .contains("Exit codes:").contains("8   stopped before the end");
    }

    @Test
    void isCommandRecognisesTheCommandNamesOnly() {
        assertThat(DualWriteCommandLine.isCommand("copy", "--migration", "x")).isTrue();
        assertThat(DualWriteCommandLine.isCommand("status")).isTrue();
        assertThat(DualWriteCommandLine.isCommand("demo")).isFalse();
        assertThat(DualWriteCommandLine.isCommand("--server.port=8081")).isFalse();
        assertThat(DualWriteCommandLine.isCommand()).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    /** Waits (polling MongoDB, at most 20 s) until the active copy has processed something. */
    private static JobRun awaitProgress(Copier copier) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            JobRun run = copier.active(TestMigrations.PEOPLE).orElse(null);
            if (run != null && run.processed() > 0) {
                return run;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the copy made no progress within 20 s");
    }

    /** Waits (polling MongoDB, at most 10 s) until no partition of the run is leased. */
    private static boolean awaitNoLease(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (database.getCollection("dualwrite_job_partitions").countDocuments(Filters.and(
                    Filters.eq("run", runId), Filters.ne("owner", null))) == 0) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static void seedLegacy(int count) {
        collection("people_v1").insertMany(Fixtures.legacyPeople(count));
    }

    private static MongoCollection<Document> collection(String name) {
        return database.getCollection(name);
    }

    /** Ctrl-C on demand: runs the registered action in a thread of its own, as the JVM runs a shutdown hook. */
    static final class ManualStop implements StopSignal {

        private volatile Runnable action;

        @Override
        public Registration onStop(Runnable action) {
            this.action = action;
            return () -> this.action = null;
        }

        void fire() {
            Runnable registered = action;
            assertThat(registered).as("a command is listening").isNotNull();
            new Thread(registered, "test-stop").start();
        }
    }
}
