package io.dualwrite.sample;

import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/** Logs, once the application is ready, where the API, the Togglz console and the data are. */
@Component
public class StartupSummary implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(StartupSummary.class);

    private static final Pattern CREDENTIALS = Pattern.compile("(mongodb(?:\\+srv)?://[^:/@]*:)[^@/]*@");

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        log.info(describe(event.getApplicationContext().getEnvironment()));
    }

    /** The summary for an environment (the port is the one the web server bound, {@code local.server.port}). */
    static String describe(Environment environment) {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        String contextPath = environment.getProperty("server.servlet.context-path", "");
        String base = "http://localhost:" + port + (contextPath.endsWith("/")
                ? contextPath.substring(0, contextPath.length() - 1) : contextPath);
        String user = environment.getProperty("dualwrite.security.username", "admin");
        String password = StringUtils.hasText(environment.getProperty("dualwrite.security.password"))
                ? "the one set in dualwrite.security.password"
                : "generated, logged above by dualwrite (set dualwrite.security.password to choose it)";
        String uri = environment.getProperty("spring.mongodb.uri");
        String mongo = StringUtils.hasText(uri) ? masked(uri)
                : "embedded in-process server (no spring.mongodb.uri set; data is lost on exit)";
        return String.join(System.lineSeparator(),
                "Customers sample is ready",
                "  API:            " + base + "/api/customers   (phase: " + base + "/api/migration)",
                "  Togglz console: " + base + "/togglz-console   user '" + user + "', password " + password,
                "  Status page:    " + base + "/dualwrite/status   (same login; JSON: " + base + "/actuator/dualwrite)",
                "  MongoDB:        " + mongo);
    }

    /** The connection string without its password. */
    static String masked(String uri) {
        return CREDENTIALS.matcher(uri).replaceFirst("$1****@");
    }
}
