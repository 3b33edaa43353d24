package io.dualwrite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.cli.CommandLineRuns.Result;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;

/**
 * {@code reverse-copy}, {@code reverse-verify} and {@code --job reverse-copy|reverse-verify} on the command line, run
 * in-process on the fixture application: output, exit codes, control of another process's run, and bad input that
 * changes nothing. (The command's own context has the fixture's phase source, which says OLD_ONLY: its reverse copies
 * never hand anything back, which the output says.)
 */
class ReverseCommandLineTests {

    private static final String DATABASE = "reverse_cli_tests";

    private static ConfigurableApplicationContext fixture;

    private static MongoDatabase database;

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
    void forwardToReadNewWriteNew() throws InterruptedException {
        Fixtures.clear(fixture);
        SettablePhaseSource phases = fixture.getBean(SettablePhaseSource.class);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
        collection("people_v1").insertMany(Fixtures.legacyPeople(20));
        fixture.getBean(Copier.class).run(TestMigrations.PEOPLE, JobOptions.defaults());
        phases.setAll(Phase.READ_NEW_WRITE_NEW);
    }

    private static Result run(String... args) {
        return CommandLineRuns.execute(CommandLineRuns.fixture(DATABASE)
                .defaultProperties(Map.of("dualwrite.copier.poll-interval", "20ms"))
                .progress(Progress.Mode.LINES, Duration.ZERO), args);
    }

    @Test
    void reverseCopyDeadLettersWhatItCannotConvertAndReverseVerifyExitsSixThenZero() {
        collection("people_v2").updateOne(Filters.eq("_id", "p00004"), new Document("$set",
                new Document("age", "four")));

        Result copy = run("reverse-copy", "--migration", TestMigrations.PEOPLE, "--batch", "6");

        assertThat(copy.exitCode()).as(copy.err()).isEqualTo(ExitCodes.FINISHED_WITH_PROBLEMS);
        assertThat(copy.err()).contains("Started reverse-copy run people-v2-reverse-copy-")
                .contains("reverse-copy people-v2 100%").contains("copied 0, skipped 19, dead 1")
                .contains("1 new document(s) could not be copied to the old shape and were dead-lettered")
                .contains("p00004: the mapping cannot convert it").contains("handed nothing back");
        assertThat(copy.out()).contains("Reverse copy run people-v2-reverse-copy-").contains("finished in")
                .contains("20 new documents scanned: copied to old 0, skipped as newer 19, dead-lettered 1");

        Result dirty = run("reverse-verify", "--migration", TestMigrations.PEOPLE, "--no-progress");
        assertThat(dirty.exitCode()).isEqualTo(ExitCodes.FINISHED_WITH_PROBLEMS);
        assertThat(dirty.out()).contains("Reverse verification run").contains("unconvertible 1")
                .contains("NOT clean: 1 difference(s).").contains("unconvertible p00004");

        collection("people_v2").updateOne(Filters.eq("_id", "p00004"), new Document("$set", new Document("age", 4)));
        assertThat(run("reverse-copy", "--migration", TestMigrations.PEOPLE, "--no-progress").exitCode()).isZero();
        Result clean = run("reverse-verify", "--migration", TestMigrations.PEOPLE, "--no-progress");
        assertThat(clean.exitCode()).as(clean.out()).isEqualTo(ExitCodes.OK);
        assertThat(clean.out()).contains("Clean: every document of the new shape has its match in the old shape.");

        Result status = run("status", "--migration", TestMigrations.PEOPLE);
        assertThat(status.out()).contains("reverse-copy:   latest finished: run people-v2-reverse-copy-")
                .contains("handed everything back to old: no (not every instance wrote both")
                .contains("reverse-verify: latest finished: run people-v2-reverse-verify-").contains("(clean)");
        assertThat(run("status", "--migration", TestMigrations.MEMBERS).out()).as("no reverse run, no lines")
                .doesNotContain("reverse");
    }

    @Test
    void pauseResumeAndCancelTheActiveReverseCopyOfAnotherProcess() throws Exception {
        ReverseCopier reverseCopier = fixture.getBean(ReverseCopier.class);
        JobHandle handle = reverseCopier.start(TestMigrations.PEOPLE,
                JobOptions.defaults().withBatchSize(2).withRate(0.5));
        try {
            Result paused = run("pause", "--migration", TestMigrations.PEOPLE, "--job", "reverse-copy");
            assertThat(paused.exitCode()).as(paused.err()).isZero();
            assertThat(paused.out()).contains("Paused reverse-copy run " + handle.runId())
                    .contains("Resume with 'resume --migration people-v2 --job reverse-copy'");
            assertThat(handle.run().status()).isEqualTo(JobStatus.PAUSED);

            Result copyNotPaused = run("resume", "--migration", TestMigrations.PEOPLE);
            assertThat(copyNotPaused.exitCode()).as("the forward copy has no active run")
                    .isEqualTo(ExitCodes.REFUSED);
            assertThat(run("resume", "--migration", TestMigrations.PEOPLE, "--job", "REVERSE-COPY").exitCode())
                    .isZero();
            assertThat(handle.run().status()).isEqualTo(JobStatus.RUNNING);

            Result cancelled = run("cancel", "--migration", TestMigrations.PEOPLE, "--job", "reverse-copy");
            assertThat(cancelled.exitCode()).isZero();
            assertThat(cancelled.out()).contains("Cancelled reverse-copy run " + handle.runId())
                    .contains("a later 'reverse-copy' starts a new run");
            assertThat(handle.await(Duration.ofSeconds(20))).isTrue();
            JobRun run = handle.run();
            assertThat(run.status()).isEqualTo(JobStatus.CANCELLED);

            Result nothing = run("pause", "--migration", TestMigrations.PEOPLE, "--job", "reverse-verify");
            assertThat(nothing.exitCode()).isEqualTo(ExitCodes.REFUSED);
            assertThat(nothing.err()).contains("Cannot pause a reverse-verify run of migration 'people-v2': none is "
                    + "running or paused");
        }
        finally {
            handle.stop();
            handle.await(Duration.ofSeconds(20));
        }
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        long runs = collection("dualwrite_jobs").countDocuments();

        Result unknown = run("reverse-copy", "--migration", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.UNKNOWN_MIGRATION);
        assertThat(unknown.err()).contains("No migration 'nope' is declared; declared migrations: people-v2, "
                + "members-v2");
        assertUsageError(run("reverse-copy", "--migration", TestMigrations.PEOPLE, "--batch", "0"),
                "Invalid value for option '--batch': batch size must be between 1 and 100000, got 0");
        assertUsageError(run("reverse-verify", "--migration", TestMigrations.PEOPLE, "--workers", "none"),
                "Invalid value for option '--workers': 'none' is not an int");
        assertUsageError(run("reverse-verify"), "Missing required option: '--migration=ID'");
        assertUsageError(run("cancel", "--migration", TestMigrations.PEOPLE, "--job", "reverse"),
                "'reverse' is not a job: use copy, verify, reverse-copy or reverse-verify");
        assertUsageError(run("rate", "--migration", TestMigrations.PEOPLE, "--job", "reverse-copy", "--rate", "-1"),
                "it must be 0 (no limit) or a positive number");

        assertThat(collection("dualwrite_jobs").countDocuments()).as("nothing changed").isEqualTo(runs);
        assertThat(collection("dualwrite_dead_letters").countDocuments()).isZero();
        assertThat(DualWriteCommandLine.isCommand("reverse-copy", "--migration", "x")).isTrue();
        assertThat(DualWriteCommandLine.isCommand("reverse-verify")).isTrue();
    }

    private static void assertUsageError(Result result, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(message).contains("Usage: dualwrite");
        assertThat(result.out()).isEmpty();
    }

    private static MongoCollection<Document> collection(String name) {
        return database.getCollection(name);
    }
}
