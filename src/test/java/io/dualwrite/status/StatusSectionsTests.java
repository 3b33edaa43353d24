package io.dualwrite.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;

import io.dualwrite.Phase;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The repairs, shadow reads, reverse copy and cleanup parts each add their section to a migration's status. */
class StatusSectionsTests {

    @Test
    void everyPartPresentAddsItsSectionAndTheReverseCopyOnceThereWasOne() throws Exception {
        try (ConfigurableApplicationContext context = Fixtures.start("status-sections")) {
            Fixtures.clear(context);
            String people = TestMigrations.PEOPLE;
            StatusService status = context.getBean(StatusService.class);
            Fixtures.database(context).getCollection("dualwrite_repairs").insertOne(new Document("migration", people)
                    .append("entityId", "p1").append("shape", "new").append("version", 1L)
                    .append("kind", "WRITE_FAILED").append("message", "test").append("at", new Date())
                    .append("repaired", false));

            MigrationStatus before = status.status(people);
            assertThat(before.sections()).containsKeys("repairs", "shadowReads", "cleanup").doesNotContainKey("reverse");
            assertThat(before.sections().get("repairs").facts()).containsEntry("unrepaired", 1L);
            assertThat(before.sections().get("shadowReads").facts()).containsEntry("sampleRate", 0.01);
            assertThat(before.sections().get("cleanup").facts()).containsEntry("cleaned up", false);

            context.getBean(SettablePhaseSource.class).set(people, Phase.READ_NEW_WRITE_NEW);
            context.getBean(PersonRepository.class).save(Person.of("A", "B", "a@example.com", 30, "555-1"));
            context.getBean(ReverseCopier.class).run(people, JobOptions.defaults());
            StatusSection reverse = status.status(people).sections().get("reverse");
            assertThat(reverse).isNotNull();
            assertThat(reverse.facts().get("latest reverse copy").toString()).contains("FINISHED");
        }
    }
}
