package io.dualwrite.repair;

import static io.dualwrite.repair.RepairContexts.block;
import static io.dualwrite.repair.RepairContexts.collection;
import static io.dualwrite.repair.RepairContexts.phase;
import static io.dualwrite.repair.RepairContexts.unblock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The background loop on an instance: started with the context, each pass takes the records that are due on the
 * injected clock (the first attempt {@code delay} after the failure, then waits doubling from the interval up to the
 * longest backoff), never stops on a record it cannot act upon, and feeds the meters. The loop's own schedule is an
 * hour here, so every pass is a {@link RepairLoop#tick()} of the test and time only moves when the test moves it.
 */
class RepairLoopTests {

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final Duration INTERVAL = Duration.ofHours(1);

    private static final Duration DELAY = Duration.ofSeconds(10);

    private static final Duration MAX_BACKOFF = Duration.ofHours(3);

    private static final MutableClock clock = new MutableClock();

    private static ConfigurableApplicationContext context;

    private static RepairLoop loop;

    @BeforeAll
    static void start() {
        context = RepairContexts.start("repair_loop", clock, "dualwrite.repair.enabled=true",
                "dualwrite.repair.interval=1h", "dualwrite.repair.delay=10s", "dualwrite.repair.max-backoff=3h");
        loop = context.getBean(RepairLoop.class);
    }

    @AfterAll
    static void stop() {
        context.close();
        assertThat(loop.isRunning()).as("stopped with the context").isFalse();
    }

    @BeforeEach
    void clear() {
        Fixtures.clear(context);
        phase(context, Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void theLoopRunsWithTheContext() {
        assertThat(loop.isRunning()).isTrue();
    }

    @Test
    void aRecordIsFirstTriedAfterTheDelayThenAfterWaitsThatDoubleUpToTheLongestBackoff() {
        Instant failedAt = failSecondWrite("p1");

        assertThat(loop.tick()).as("not due before the delay").isEmpty();
        assertThat(record().attempts()).isZero();
        clock.advance(DELAY);
        assertThat(loop.tick()).containsExactly(new RepairReport(PEOPLE, 0, 1, 0, 1));
        Instant first = failedAt.plus(DELAY);
        assertThat(record().nextAttemptAt()).isEqualTo(first.plus(INTERVAL));

        clock.advance(INTERVAL.minusSeconds(1));
        assertThat(loop.tick()).as("the first wait is the interval").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(loop.tick()).containsExactly(new RepairReport(PEOPLE, 0, 1, 0, 1));
        assertThat(record().nextAttemptAt()).isEqualTo(first.plus(INTERVAL).plus(INTERVAL.multipliedBy(2)));

        clock.advance(INTERVAL.multipliedBy(2).minusSeconds(1));
        assertThat(loop.tick()).as("then twice as long").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(loop.tick()).containsExactly(new RepairReport(PEOPLE, 0, 1, 0, 1));
        Instant third = clock.instant();
        assertThat(record().nextAttemptAt()).as("4h capped at the longest backoff").isEqualTo(third.plus(MAX_BACKOFF));
        assertThat(record().attempts()).isEqualTo(3);

        unblock(context, "people_v2", "taken@x");
        clock.advance(MAX_BACKOFF.minusSeconds(1));
        assertThat(loop.tick()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(loop.tick()).containsExactly(new RepairReport(PEOPLE, 1, 0, 0, 0));
        assertThat(record().repaired()).isTrue();
        assertThat(record().attempts()).isEqualTo(4);
    }

    @Test
    void recordsTheLoopCannotActUponGetAClearErrorAndTheOthersAreStillRepaired() {
        Instant longAgo = clock.instant().minus(Duration.ofMinutes(1));
        collection(context, "people_v1").insertOne(new Document("_id", "bad-age").append("first_name", "B")
                .append("last_name", "A").append("mail", "b@x").append("age_text", "not a number")
                .append("version", 1L << 32));
        insertRecord(new Document("migration", "nope").append("entityId", "x").append("shape", "new"), longAgo);
        insertRecord(new Document("migration", PEOPLE).append("shape", "new"), longAgo);
        insertRecord(new Document("migration", PEOPLE).append("entityId", List.of("a", "b")).append("shape", "new"),
                longAgo);
        insertRecord(new Document("migration", PEOPLE).append("entityId", "p9").append("shape", "sideways"), longAgo);
        insertRecord(new Document("migration", PEOPLE).append("entityId", "bad-age").append("shape", "new"), longAgo);
        failSecondWrite("p1");
        unblock(context, "people_v2", "taken@x");
        clock.advance(DELAY);

        List<RepairReport> reports = loop.tick();

        assertThat(reports).containsExactly(new RepairReport("nope", 0, 1, 0, 1),
                new RepairReport(PEOPLE, 1, 4, 0, 4));
        assertThat(error("nope", "x")).isEqualTo("no migration 'nope' is declared in this application (declared: "
                + "people-v2, members-v2); an application that declares it repairs it");
        assertThat(error(PEOPLE, null)).startsWith("the record has no entityId");
        assertThat(error(PEOPLE, List.of("a", "b"))).startsWith("the record's entityId [a, b] (")
                .contains("cannot be a document _id");
        assertThat(error(PEOPLE, "p9")).isEqualTo("the record's shape 'sideways' is neither 'old' nor 'new'");
        assertThat(error(PEOPLE, "bad-age")).startsWith("the mapping cannot convert the old document to the new "
                + "shape: NumberFormatException").endsWith("; fix the document or the mapping");
        Document undeclared = collection(context, "dualwrite_repairs").find(Filters.eq("migration", "nope")).first();
        assertThat(undeclared.getInteger("attempts")).isEqualTo(1);
        assertThat(undeclared.getDate("nextAttemptAt")).as("a record nobody here can repair waits the longest")
                .isEqualTo(Date.from(clock.instant().plus(MAX_BACKOFF)));
        Document unconvertible = collection(context, "dualwrite_repairs")
                .find(Filters.eq("entityId", "bad-age")).first();
        assertThat(unconvertible.getDate("nextAttemptAt")).isEqualTo(Date.from(clock.instant().plus(INTERVAL)));
        assertThat(context.getBean(Repairs.class).unrepaired(PEOPLE)).isEqualTo(4);
    }

    @Test
    void metersCountAttemptsByOutcomeAndGaugeWhatIsPending() {
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        double repairedBefore = counter(meters, "repaired");
        double failedBefore = counter(meters, "failed");
        clock.advance(INTERVAL); // the gauge reads MongoDB again
        failSecondWrite("p1");
        assertThat(pending(meters)).isEqualTo(1);

        clock.advance(DELAY);
        loop.tick();
        unblock(context, "people_v2", "taken@x");
        context.getBean(Repairs.class).repairNow(PEOPLE);

        assertThat(counter(meters, "failed") - failedBefore).isEqualTo(1);
        assertThat(counter(meters, "repaired") - repairedBefore).isEqualTo(1);
        assertThat(pending(meters)).as("as counted by the pass").isZero();
        assertThat(meters.find("dualwrite.repairs.pending").tag("migration", TestMigrations.MEMBERS).gauge())
                .isNotNull();
    }

    // ------------------------------------------------------------------ helpers

    /** Saves p<n> in both shapes, then an update whose second write the new shape refuses; returns when it failed. */
    private static Instant failSecondWrite(String id) {
        PersonRepository people = context.getBean(PersonRepository.class);
        Person person = Person.of("F", "L", "before@x", 30, "555");
        person.setId(id);
        person = people.save(person);
        block(context, "people_v2", "email", "taken@x");
        person.setEmail("taken@x");
        people.save(person);
        return clock.instant();
    }

    private static RepairRecord record() {
        return context.getBean(Repairs.class).recent(PEOPLE, 1).get(0);
    }

    private static void insertRecord(Document record, Instant at) {
        collection(context, "dualwrite_repairs").insertOne(record.append("version", 1L << 32).append("kind", "ERROR")
                .append("message", "hand-made").append("at", Date.from(at)).append("repaired", false));
    }

    private static String error(String migration, Object entityId) {
        Document record = collection(context, "dualwrite_repairs").find(Filters.and(Filters.eq("migration", migration),
                Filters.eq("entityId", entityId))).first();
        assertThat(record).as("record of %s", entityId).isNotNull();
        assertThat(record.getBoolean("repaired")).isFalse();
        return record.getString("lastError");
    }

    private static double counter(MeterRegistry meters, String outcome) {
        var counter = meters.find("dualwrite.repairs").tags("migration", PEOPLE, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double pending(MeterRegistry meters) {
        return meters.get("dualwrite.repairs.pending").tag("migration", PEOPLE).gauge().value();
    }
}
