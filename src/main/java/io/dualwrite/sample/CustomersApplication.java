package io.dualwrite.sample;

import java.util.Arrays;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

import io.dualwrite.sample.demo.Demo;

/**
 * The sample customers service, main class of the executable jar. Its defaults are set here rather than in an
 * {@code application.properties}, which would leak into the applications that use dualwrite as a library.
 * <p>
 * Spring Boot's {@code UserDetailsServiceAutoConfiguration} is excluded so that it does not create its own user with
 * a "generated security password": the only login is dualwrite's admin for the Togglz console.
 */
@SpringBootApplication(excludeName = CustomersApplication.BOOT_USER_DETAILS_AUTO_CONFIGURATION)
@EnableConfigurationProperties(CustomersProperties.class)
public class CustomersApplication {

    /** Boot 4's auto-configuration of an in-memory user with a generated password. */
    static final String BOOT_USER_DETAILS_AUTO_CONFIGURATION =
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration";

    /** The sample's defaults; any property source (command line, environment, config file) overrides them. */
    public static Map<String, Object> defaultProperties() {
        return Map.of(
                "spring.application.name", "customers",
                "spring.thymeleaf.check-template-location", "false",
                "management.endpoints.web.exposure.include", "health,info",
                "management.endpoint.health.probes.enabled", "true");
    }

    /** Starts the service; {@code demo [flags]} runs the whole migration instead ({@link Demo}). */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo")) {
            System.exit(Demo.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        SpringApplication application = new SpringApplication(CustomersApplication.class);
        application.setDefaultProperties(defaultProperties());
        application.run(args);
    }
}
