package io.dualwrite.support;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.togglz.core.context.FeatureContext;
import org.togglz.spring.util.ContextClassLoaderApplicationContextHolder;

/**
 * A web application with the test migrations and every auto-configuration except dualwrite's others (the toggle tests
 * declare the migration registry themselves), for tests of the console over a real port.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = { "io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration",
        "io.dualwrite.autoconfigure.MongoPingHealthAutoConfiguration",
        "io.dualwrite.autoconfigure.DualWriteAutoConfiguration",
        "io.dualwrite.autoconfigure.PhasedRepositoriesAutoConfiguration" })
@Import(TestMigrations.class)
public class ConsoleTestApplication {

    @Bean
    MutableClock testClock() {
        return new MutableClock();
    }

    /**
     * The Togglz console finds its FeatureManager through a JVM-wide holder (one application per class loader). Tests
     * run several contexts in one JVM, so point the holder at the context under test before using the console.
     */
    public static void bindTogglzTo(ConfigurableApplicationContext context) {
        ContextClassLoaderApplicationContextHolder.release();
        ContextClassLoaderApplicationContextHolder.bind(context);
        FeatureContext.clearCache();
    }
}
