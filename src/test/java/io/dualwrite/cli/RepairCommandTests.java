package io.dualwrite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import io.dualwrite.Phase;
import io.dualwrite.cli.CommandLineRuns.Result;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;

/**
 * The {@code repair} command, in-process on the fixture application: a service instance's second write failed for
 * real (a unique index in the new shape); while the conflict lasts the command exits 6 and says why, once it is gone
 * the command repairs, exits 0 and both shapes agree.
 */
class RepairCommandTests {

    private static final String DATABASE = "cli_repair_tests";

    /** The service instance whose second writes fail; it also reads the results. */
    private static ConfigurableApplicationContext instance;

    private static MongoDatabase database;

    @BeforeAll
    static void start() {
        instance = Fixtures.start(DATABASE, "dualwrite.repair.enabled=false");
        database = Fixtures.database(instance);
    }

    @AfterAll
    static void stop() {
        instance.close();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(instance);
        instance.getBean(SettablePhaseSource.class).setAll(Phase.READ_OLD_WRITE_BOTH);
    }

    private static Result run(String... args) {
        return CommandLineRuns.execute(CommandLineRuns.fixture(DATABASE)
                .progress(Progress.Mode.NONE, Duration.ZERO)
                .stopSignal(new DualWriteCommandLineTests.ManualStop()), args);
    }

    @Test
    void repairExitsSixWhileARecordCannotBeRepairedAndZeroOnceEverythingIsRepaired() {
        PersonRepository people = instance.getBean(PersonRepository.class);
        Person person = Person.of("Ada", "L", "before@x", 36, "555");
        person.setId("p1");
        person = people.save(person);
        MongoCollection<Document> target = collection("people_v2");
        target.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).sparse(true));
        target.insertOne(new Document("_id", "squatter").append("email", "taken@x").append("version", 1L));
        person.setEmail("taken@x");
        Person acknowledged = people.save(person);

        Result blocked = run("repair", "--migration", TestMigrations.PEOPLE);

        assertThat(blocked.exitCode()).as(blocked.err()).isEqualTo(ExitCodes.FINISHED_WITH_PROBLEMS);
        assertThat(blocked.out()).contains("people-v2: repaired 0, failed 1, skipped (held by another process) 0; "
                + "unrepaired now 1").contains("_id=p1, new shape, version " + acknowledged.getVersion())
                .contains("1 attempt(s): the new shape refused the document: duplicate key on a unique index "
                        + "other than _id");
        assertThat(blocked.err()).contains("1 failed second write(s) are still unrepaired");
        assertThat(target.find(Filters.eq("_id", "p1")).first().getString("email")).isEqualTo("before@x");

        target.deleteOne(Filters.eq("_id", "squatter"));
        Result repaired = run("repair");

        assertThat(repaired.exitCode()).as(repaired.err()).isEqualTo(ExitCodes.OK);
        assertThat(repaired.out()).contains("people-v2: repaired 1, failed 0").contains("members-v2: repaired 0, "
                + "failed 0").contains("Nothing left to repair.");
        Document stored = target.find(Filters.eq("_id", "p1")).first();
        assertThat(stored.getString("email")).isEqualTo("taken@x");
        assertThat(stored.getLong("version")).isEqualTo(acknowledged.getVersion());
        assertThat(collection("dualwrite_repairs").find().first().getBoolean("repaired")).isTrue();
        Result verify = run("verify", "--migration", TestMigrations.PEOPLE, "--no-progress");
        assertThat(verify.exitCode()).as(verify.out()).isEqualTo(ExitCodes.OK);
    }

    @Test
    void anUnknownMigrationExitsThreeListingTheDeclaredOnes() {
        Result result = run("repair", "--migration", "nope");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.UNKNOWN_MIGRATION);
        assertThat(result.err()).contains("No migration 'nope' is declared; declared migrations: people-v2, "
                + "members-v2");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void helpDescribesTheCommandAndItsExitCodes() {
        Result help = run("repair", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: dualwrite repair").contains("--migration=ID")
                .contains("under the version guard").contains("0   done:").contains("nothing is left to repair")
                .contains("6   finished with problems:").contains("writes left unrepaired");
        assertThat(run("--help").out()).contains("repair");
        assertThat(DualWriteCommandLine.isCommand("repair")).isTrue();
    }

    private static MongoCollection<Document> collection(String name) {
        return database.getCollection(name);
    }
}
