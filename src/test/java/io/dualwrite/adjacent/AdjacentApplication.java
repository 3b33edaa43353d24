package io.dualwrite.adjacent;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.context.annotation.Bean;

import io.dualwrite.Migration;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.SettablePhaseSource;

/** One simulated instance of a service with the two-collection people migration, whose writes tests can pause. */
@SpringBootApplication
public class AdjacentApplication {

    static final String MIGRATION = "people-v2";

    @Bean
    Migration<Person> peopleMigration() {
        return Migration.builder(MIGRATION, Person.class)
                .oldShape(ShapeDeclaration.mapped("people_v1", new OldPersonMapping<>(Person::new))
                        .field("email", "mail").field("lastName", "last_name"))
                .newShape(ShapeDeclaration.mapped("people_v2", new NewPersonMapping<>(Person::new))
                        .field("email", "email").field("lastName", "lastName"))
                .build();
    }

    @Bean
    MongoClientSettingsBuilderCustomizer pausingCommands() {
        return settings -> settings.addCommandListener(new PausingCommands());
    }

    @Bean
    SettablePhaseSource settablePhaseSource() {
        return new SettablePhaseSource();
    }
}
