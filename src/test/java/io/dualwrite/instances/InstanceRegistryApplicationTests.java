package io.dualwrite.instances;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** Applications started the ordinary way (auto-configuration from the imports file) register as instances. */
class InstanceRegistryApplicationTests {

    private static final String DATABASE = "instances_application";

    @Test
    void aServiceRegistersAndACommandLineProcessOnlyReads() {
        ConfigurableApplicationContext copier = Fixtures.start(DATABASE, "dualwrite.instances.enabled=false");
        try {
            Fixtures.clear(copier);
            InstanceRegistry reader = copier.getBean(InstanceRegistry.class);
            assertThat(copier.getBeansOfType(InstanceHeartbeat.class)).isEmpty();
            assertThat(reader.liveInstances()).isEmpty();

            try (ConfigurableApplicationContext service = Fixtures.start(DATABASE)) {
                service.getBean(SettablePhaseSource.class).set(TestMigrations.PEOPLE, Phase.READ_OLD_WRITE_BOTH);
                service.getBean(InstanceRegistry.class).heartbeat();

                assertThat(reader.liveInstances()).singleElement().satisfies(status -> {
                    assertThat(status.id()).isEqualTo(service.getBean(LocalInstance.class).id());
                    assertThat(status.phases()).isEqualTo(Map.of(TestMigrations.PEOPLE, Phase.READ_OLD_WRITE_BOTH,
                            TestMigrations.MEMBERS, Phase.OLD_ONLY));
                });
                assertThat(reader.everyLiveInstanceWritingBoth(TestMigrations.PEOPLE).satisfied()).isTrue();
                assertThat(reader.everyLiveInstanceWritingBoth(TestMigrations.MEMBERS).satisfied()).isFalse();
            }

            assertThat(reader.liveInstances()).as("the service deregistered when it stopped").isEmpty();
        }
        finally {
            copier.close();
        }
    }
}
