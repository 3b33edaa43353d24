package io.dualwrite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.cleanup.CleanupScenario;
import io.dualwrite.cli.CommandLineRuns.Result;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceRegistry;

/**
 * The {@code cleanup} command run in-process on the fixture application: the dry run prints what would be removed and
 * its token, {@code --execute --token} removes it, a refusal exits 5 with the reason and removes nothing, an unknown
 * migration exits 3, and bad flags are usage errors. One simulated instance reports its phase on the system clock.
 */
class CleanupCommandTests {

    private static final String DATABASE = "cleanup_cli_tests";

    private static final Pattern TOKEN = Pattern.compile("(?m)^token: ([0-9a-f]{16})$");

    private static ConfigurableApplicationContext fixture;

    private static MongoDatabase database;

    private InstanceRegistry web1;

    @BeforeAll
    static void start() {
        fixture = CleanupScenario.start(DATABASE, Clock.systemUTC());
        database = Fixtures.database(fixture);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void seed() {
        Fixtures.clear(fixture);
        CleanupScenario.seedBothShapes(fixture, 6);
        CleanupScenario.sharedPhase(fixture, TestMigrations.PEOPLE, Phase.READ_NEW_WRITE_NEW);
        CleanupScenario.sharedPhase(fixture, TestMigrations.MEMBERS, Phase.READ_NEW_WRITE_NEW);
        web1 = CleanupScenario.instance(fixture, Clock.systemUTC(), "web-1", Phase.READ_NEW_WRITE_NEW);
    }

    private Result run(String... args) {
        web1.heartbeat(); // live for the ttl (30 s) from now, whatever the commands before took
        return CommandLineRuns.execute(CommandLineRuns.fixture(DATABASE), args);
    }

    /** The token a dry run printed. */
    private static String token(Result dryRun) {
        Matcher matcher = TOKEN.matcher(dryRun.out());
        assertThat(matcher.find()).as(dryRun.out()).isTrue();
        return matcher.group(1);
    }

    @Test
    void theDryRunPrintsWhatWouldBeRemovedAndItsTokenAndExecuteRemovesExactlyThat() {
        Result dryRun = run("cleanup", "--migration", TestMigrations.PEOPLE);

        assertThat(dryRun.exitCode()).as(dryRun.err()).isEqualTo(ExitCodes.OK);
        assertThat(dryRun.out()).contains("Cleanup of migration 'people-v2' (dry run, nothing changed):")
                .contains("Drop collection 'people_v1' (6 documents, 1 index).")
                .contains("indexes (dropped with it):\n    _id_ {_id=1}")
                .contains("shared phase: READ_NEW_WRITE_NEW")
                .contains("instances: The one live instance is in READ_NEW_WRITE_NEW for migration 'people-v2'.")
                .contains("Allowed now. To remove exactly this, run:")
                .contains("cleanup --migration people-v2 --execute --token " + token(dryRun));
        assertThat(collections()).as("a dry run changes nothing").contains("people_v1");

        Result executed = run("cleanup", "--migration", TestMigrations.PEOPLE, "--execute", "--token",
                token(dryRun));

        assertThat(executed.exitCode()).as(executed.err()).isEqualTo(ExitCodes.OK);
        assertThat(executed.out()).contains("Dropped collection 'people_v1' with 6 documents and 1 index.")
                .contains("Recorded: Migration 'people-v2': dropped collection 'people_v1' (6 documents) at ")
                .contains("(command line)");
        assertThat(collections()).doesNotContain("people_v1").contains("people_v2");
        assertThat(fixture.getBean(Cleanup.class).isCleanedUp(TestMigrations.PEOPLE)).isTrue();
    }

    @Test
    void aOneCollectionDryRunListsTheFieldsWithTheirCounts() {
        Result dryRun = run("cleanup", "--migration", TestMigrations.MEMBERS);

        assertThat(dryRun.exitCode()).as(dryRun.err()).isEqualTo(ExitCodes.OK);
        assertThat(dryRun.out())
                .contains("Remove fields age_text, first_name, last_name, mail, phone from 6 documents of collection "
                        + "'members'.")
                .contains("fields removed (documents carrying each):\n    age_text (6)\n    first_name (6)\n"
                        + "    last_name (6)\n    mail (5)\n    phone (4)\n")
                .contains("documents changed: 6")
                .contains("_dwShapes becomes [\"new\"]");

        Result executed = run("cleanup", "--migration", TestMigrations.MEMBERS, "--execute", "--token",
                token(dryRun));
        assertThat(executed.exitCode()).as(executed.err()).isEqualTo(ExitCodes.OK);
        assertThat(database.getCollection("members").countDocuments(Filters.exists("first_name"))).isZero();
        assertThat(database.getCollection("members").countDocuments(Filters.exists("firstName"))).isEqualTo(6);
    }

    @Test
    void aRefusedCleanupExitsFiveWithTheReasonAndRemovesNothing() {
        CleanupScenario.sharedPhase(fixture, TestMigrations.PEOPLE, Phase.READ_NEW_WRITE_BOTH);

        Result dryRun = run("cleanup", "--migration", TestMigrations.PEOPLE);
        assertThat(dryRun.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(dryRun.out()).contains("Not allowed now:\n  - The shared phase of migration 'people-v2' is "
                + "READ_NEW_WRITE_BOTH;");

        Result refused = run("cleanup", "--migration", TestMigrations.PEOPLE, "--execute", "--token",
                token(dryRun));
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).contains("Cleanup of migration 'people-v2' refused, nothing was removed: The shared "
                + "phase of migration 'people-v2' is READ_NEW_WRITE_BOTH");
        assertThat(refused.err()).doesNotContain("\tat ");

        CleanupScenario.sharedPhase(fixture, TestMigrations.PEOPLE, Phase.READ_NEW_WRITE_NEW);
        Result stale = run("cleanup", "--migration", TestMigrations.PEOPLE, "--execute", "--token",
                "0123456789abcdef");
        assertThat(stale.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(stale.err()).contains("does not match what a dry run finds now");
        assertThat(collections()).contains("people_v1");
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isZero();
    }

    @Test
    void anUnknownMigrationExitsThreeAndBadFlagsAreUsageErrors() {
        Result unknown = run("cleanup", "--migration", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.UNKNOWN_MIGRATION);
        assertThat(unknown.err()).contains("No migration 'nope' is declared; declared migrations: people-v2, "
                + "members-v2");

        assertUsageError(run("cleanup", "--migration", TestMigrations.PEOPLE, "--execute"),
                "--execute needs --token: run 'cleanup --migration people-v2' first");
        assertUsageError(run("cleanup", "--migration", TestMigrations.PEOPLE, "--token", "abc"),
                "--token is only used with --execute");
        assertUsageError(run("cleanup"), "Missing required option: '--migration=ID'");
        assertThat(DualWriteCommandLine.isCommand("cleanup", "--migration", "x")).isTrue();
        assertThat(collections()).contains("people_v1");
    }

    private static void assertUsageError(Result result, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(message).contains("Usage: dualwrite cleanup");
        assertThat(result.out()).isEmpty();
    }

    private static Set<String> collections() {
        Set<String> names = new TreeSet<>();
        database.listCollectionNames().forEach(names::add);
        return names;
    }
}
