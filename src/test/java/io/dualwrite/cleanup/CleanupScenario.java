package io.dualwrite.cleanup;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.Member;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.toggle.PhaseToggleStates;
import io.dualwrite.toggle.ValidatingStateRepository;

/**
 * What the cleanup tests share: a fixture context on a clock of the test's choosing that does not register itself,
 * the shared phase written straight into the toggle store (test set-up, past any phase guard), simulated instances
 * that report a phase, and data in both shapes of both fixture migrations.
 */
public final class CleanupScenario {

    /** The instance registry's default ttl. */
    public static final Duration TTL = Duration.ofSeconds(30);

    private CleanupScenario() {
    }

    /** A fixture context on {@code database} using {@code clock}; it serves no traffic and does not register. */
    public static ConfigurableApplicationContext start(String database, Clock clock, String... properties) {
        List<String> all = new ArrayList<>(List.of(properties));
        all.addAll(List.of(Fixtures.mongoProperties(database)));
        all.add("dualwrite.toggles.poll-in-background=false");
        all.add("dualwrite.instances.enabled=false");
        all.add("spring.main.banner-mode=off");
        return new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new))
                .initializers(context -> ((GenericApplicationContext) context)
                        .registerBean("testClock", Clock.class, () -> clock))
                .run();
    }

    /** Stores the shared phase of a migration directly (set-up: no phase-change validation). */
    public static void sharedPhase(ConfigurableApplicationContext context, String migrationId, Phase phase) {
        context.getBean(ValidatingStateRepository.class).delegate()
                .setFeatureState(PhaseToggleStates.stateFor(migrationId, phase));
    }

    /**
     * A simulated instance of the service, reporting {@code phase} for every migration at each
     * {@link InstanceRegistry#heartbeat()}, judged live by {@code clock}.
     */
    public static InstanceRegistry instance(ConfigurableApplicationContext context, Clock clock, String id,
            Phase phase) {
        SettablePhaseSource phases = new SettablePhaseSource();
        phases.setAll(phase);
        return new InstanceRegistry(Fixtures.database(context).getCollection("dualwrite_instances", Document.class),
                clock, TTL, new LocalInstance(id, "host-" + id, "1.0", clock.instant(),
                        context.getBean(MigrationRegistry.class), phases));
    }

    /** Sets the phase this context's repositories act on. */
    public static void localPhase(ConfigurableApplicationContext context, Phase phase) {
        context.getBean(SettablePhaseSource.class).setAll(phase);
    }

    /**
     * Writes {@code count} people and members through the repositories in {@code READ_OLD_WRITE_BOTH}, so both shapes
     * hold them, and leaves the context's repositories in {@code READ_NEW_WRITE_NEW}.
     */
    public static void seedBothShapes(ConfigurableApplicationContext context, int count) {
        localPhase(context, Phase.READ_OLD_WRITE_BOTH);
        PersonRepository people = context.getBean(PersonRepository.class);
        MemberRepository members = context.getBean(MemberRepository.class);
        for (int i = 1; i <= count; i++) {
            String phone = i % 3 == 0 ? null : "555-" + i;
            String email = i % 4 == 0 ? null : "user" + i + "@example.com";
            Person person = Person.of("First" + i, "Last" + i, email, 20 + i, phone);
            person.setId(String.format("p%03d", i));
            people.save(person);
            Member member = Member.of("First" + i, "Last" + i, email, 20 + i, phone);
            member.setId(String.format("m%03d", i));
            members.save(member);
        }
        localPhase(context, Phase.READ_NEW_WRITE_NEW);
    }
}
