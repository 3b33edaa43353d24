package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The block logged once the sample is ready, and the sample's own defaults. */
class StartupSummaryTests {

    @Test
    void namesTheApiTheConsoleAndTheEmbeddedServer() {
        MockEnvironment environment = new MockEnvironment().withProperty("local.server.port", "8081");

        String summary = StartupSummary.describe(environment);

        assertThat(summary).contains("API:            http://localhost:8081/api/customers")
                .contains("Togglz console: http://localhost:8081/togglz-console   user 'admin', password generated")
                .contains("Status page:    http://localhost:8081/dualwrite/status")
                .contains("MongoDB:        embedded in-process server");
    }

    @Test
    void namesTheConfiguredUserAndServerWithoutThePassword() {
        MockEnvironment environment = new MockEnvironment().withProperty("local.server.port", "9000")
                .withProperty("server.servlet.context-path", "/crm")
                .withProperty("dualwrite.security.username", "ops")
                .withProperty("dualwrite.security.password", "s3cret")
                .withProperty("spring.mongodb.uri", "mongodb://app:hunter2@mongo:27017/customers?replicaSet=rs0");

        String summary = StartupSummary.describe(environment);

        assertThat(summary).contains("http://localhost:9000/crm/api/customers")
                .contains("http://localhost:9000/crm/togglz-console   user 'ops', password the one set in "
                        + "dualwrite.security.password")
                .contains("MongoDB:        mongodb://app:****@mongo:27017/customers?replicaSet=rs0")
                .doesNotContain("hunter2").doesNotContain("s3cret");
    }

    @Test
    void masksOnlyThePasswordOfAConnectionString() {
        assertThat(StartupSummary.masked("mongodb://mongo:27017/customers?replicaSet=rs0"))
                .isEqualTo("mongodb://mongo:27017/customers?replicaSet=rs0");
        assertThat(StartupSummary.masked("mongodb+srv://u:p%40ss@cluster.example.net/db"))
                .isEqualTo("mongodb+srv://u:****@cluster.example.net/db");
    }

    @Test
    void theSampleShipsNoConfigFileAndSetsItsDefaultsInCode() {
        ClassLoader loader = getClass().getClassLoader();
        assertThat(loader.getResource("application.properties")).isNull();
        assertThat(loader.getResource("application.yml")).isNull();
        assertThat(loader.getResource("application.yaml")).isNull();
        assertThat(CustomersApplication.defaultProperties()).containsEntry("spring.application.name", "customers")
                .containsEntry("spring.thymeleaf.check-template-location", "false")
                .containsEntry("management.endpoints.web.exposure.include",
                        "health,info,dualwritejobs,dualwrite,dualwritecleanup");
    }
}
