package io.dualwrite.copier;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;

/**
 * Starts fixture application contexts (each a simulated service instance, i.e. a process of the copier) with the
 * beans the copier tests inject: a clock, a sleeper, a job listener, and {@link CommandHooks} on the driver.
 */
final class CopierContexts {

    private CopierContexts() {
    }

    /** Beans and properties of one simulated process; {@code null} beans keep the auto-configured ones. */
    record Process(Clock clock, Sleeper sleeper, JobListener listener, List<String> properties) {

        static Process of(Clock clock, Sleeper sleeper, JobListener listener, String... properties) {
            return new Process(clock, sleeper, listener, List.of(properties));
        }
    }

    static ConfigurableApplicationContext start(String database, Process process) {
        List<String> properties = new ArrayList<>(process.properties());
        properties.addAll(List.of(Fixtures.mongoProperties(database)));
        properties.add("dualwrite.toggles.poll-in-background=false");
        properties.add("spring.main.banner-mode=off");
        return new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .properties(properties.toArray(String[]::new))
                .initializers(context -> {
                    GenericApplicationContext beans = (GenericApplicationContext) context;
                    if (process.clock() != null) {
                        beans.registerBean("testClock", Clock.class, process::clock);
                    }
                    if (process.sleeper() != null) {
                        beans.registerBean("testSleeper", Sleeper.class, process::sleeper);
                    }
                    if (process.listener() != null) {
                        beans.registerBean("testJobListener", JobListener.class, process::listener);
                    }
                    beans.registerBean("commandHooks", MongoClientSettingsBuilderCustomizer.class,
                            () -> settings -> settings.addCommandListener(new CommandHooks()));
                })
                .run();
    }
}
