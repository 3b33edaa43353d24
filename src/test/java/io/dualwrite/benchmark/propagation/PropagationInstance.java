package io.dualwrite.benchmark.propagation;

import io.dualwrite.Migration;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.TestMigrations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * One instance of the phase change benchmark: the fixture migration {@code people-v2} and no {@code PhaseSource} bean,
 * so the Togglz-backed one is used. In a package of its own, so that repository scanning finds no repository.
 */
@EnableAutoConfiguration
public class PropagationInstance {

    @Bean
    Migration<Person> peopleMigration() {
        return TestMigrations.people();
    }
}
