package io.dualwrite.repository;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.repository.support.SimpleMongoRepository;
import org.springframework.test.util.AopTestUtils;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.AuditEntry;
import io.dualwrite.fixtures.AuditEntryRepository;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.repository.support.SimplePhasedRepository;

/** Plain MongoRepository interfaces keep working, @Query included, next to phased ones in one application. */
class PlainRepositoriesTests {

    private static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = Fixtures.start("plain_repositories");
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void plainRepositoriesAreOrdinarySpringDataRepositoriesInEveryPhase() {
        AuditEntryRepository audit = context.getBean(AuditEntryRepository.class);
        assertThat(AopTestUtils.<Object>getUltimateTargetObject(audit)).isInstanceOf(SimpleMongoRepository.class);
        assertThat(AopTestUtils.<Object>getUltimateTargetObject(context.getBean(PersonRepository.class)))
                .isInstanceOf(SimplePhasedRepository.class);

        for (Phase phase : Phase.values()) {
            context.getBean(SettablePhaseSource.class).setAll(phase);
            audit.save(new AuditEntry("switched to " + phase));
        }

        assertThat(audit.count()).isEqualTo(4);
        assertThat(audit.findByMessage("switched to OLD_ONLY")).hasSize(1);
        assertThat(audit.matching("READ_NEW")).extracting(AuditEntry::getMessage)
                .containsExactlyInAnyOrder("switched to READ_NEW_WRITE_BOTH", "switched to READ_NEW_WRITE_NEW");
        assertThat(Fixtures.database(context).getCollection("audit_entries").countDocuments()).isEqualTo(4);
    }
}
