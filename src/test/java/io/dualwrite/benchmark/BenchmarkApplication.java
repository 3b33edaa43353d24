package io.dualwrite.benchmark;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import io.dualwrite.Migration;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.SettablePhaseSource;

/**
 * The service the repository benchmark runs: one two-collection migration whose old shape is a hand-written legacy
 * mapping and whose new shape is the domain type as Spring Data maps it, a phased repository over it, and a plain
 * Spring Data repository of an equivalent entity in a collection of its own as the baseline. The phase is set directly
 * through {@link SettablePhaseSource} (declaring a {@code PhaseSource} bean replaces the Togglz-backed one).
 */
@SpringBootApplication
public class BenchmarkApplication {

    static final String MIGRATION = "bench-people-v2";

    static final String OLD_COLLECTION = "bench_people_v1";

    static final String NEW_COLLECTION = "bench_people_v2";

    @Bean
    Migration<BenchPerson> benchPeopleMigration() {
        return Migration.builder(MIGRATION, BenchPerson.class)
                .oldShape(ShapeDeclaration.mapped(OLD_COLLECTION, new OldPersonMapping<>(BenchPerson::new))
                        .field("firstName", "first_name")
                        .field("lastName", "last_name")
                        .field("email", "mail")
                        .field("age", "age_text", age -> Integer.toString((Integer) age))
                        .field("phone", "phone"))
                .newShape(ShapeDeclaration.springData(NEW_COLLECTION))
                .build();
    }

    @Bean
    SettablePhaseSource benchmarkPhaseSource() {
        return new SettablePhaseSource();
    }
}
