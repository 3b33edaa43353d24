package io.dualwrite.shadow;

import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.mongodb.client.MongoCollection;

import io.dualwrite.Phase;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.MemberRepository;
import io.dualwrite.fixtures.PersonRepository;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.support.MutableClock;

/**
 * Instances of the fixture application (the two-collection {@code people-v2} and the same-collection
 * {@code members-v2} migrations, the phase set by the test) for shadow-read tests: each with its own
 * {@link MutableClock} as dualwrite's clock and the rate poll driven by {@link ShadowReads#tick()}.
 */
final class ShadowContexts {

    private ShadowContexts() {
    }

    /** Starts an instance on {@code database} with {@code clock} and the given extra properties. */
    static ConfigurableApplicationContext start(String database, MutableClock clock, String... properties) {
        List<String> all = new ArrayList<>(List.of(Fixtures.mongoProperties(database)));
        all.add("dualwrite.toggles.poll-in-background=false");
        all.add("spring.main.banner-mode=off");
        all.add("spring.main.log-startup-info=false");
        all.add("spring.thymeleaf.check-template-location=false");
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .initializers(context -> context.getBeanFactory().registerSingleton("testClock", clock))
                .properties(all.toArray(String[]::new))
                .run();
    }

    static ShadowReads shadowReads(ConfigurableApplicationContext context) {
        return context.getBean(ShadowReads.class);
    }

    static PersonRepository people(ConfigurableApplicationContext context) {
        return context.getBean(PersonRepository.class);
    }

    static MemberRepository members(ConfigurableApplicationContext context) {
        return context.getBean(MemberRepository.class);
    }

    static void phase(ConfigurableApplicationContext context, Phase phase) {
        context.getBean(SettablePhaseSource.class).setAll(phase);
    }

    static MongoCollection<Document> raw(ConfigurableApplicationContext context, String collection) {
        return Fixtures.database(context).getCollection(collection);
    }
}
