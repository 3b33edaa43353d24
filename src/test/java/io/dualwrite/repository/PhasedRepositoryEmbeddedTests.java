package io.dualwrite.repository;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.fixtures.Fixtures;

/** The per-phase repository contract on the embedded MongoDB server. */
class PhasedRepositoryEmbeddedTests extends PhasedRepositoryContract {

    private static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = Fixtures.start("phased_repository_embedded");
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Override
    protected ConfigurableApplicationContext context() {
        return context;
    }
}
