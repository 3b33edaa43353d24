package io.dualwrite.sample;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

import io.dualwrite.cli.DualWriteCommandLine;
import io.dualwrite.sample.demo.Demo;

/**
 * The sample customers service, main class of the executable jar. Its defaults are set here rather than in an
 * {@code application.properties}, which would leak into the applications that use dualwrite as a library.
 * <p>
 * With a command as first argument ({@code copy}, {@code verify}, {@code status}, {@code pause}, {@code resume},
 * {@code cancel}, {@code rate}, {@code help}) it runs dualwrite's command line instead of the service and exits with
 * the command's code: {@code java -jar dualwrite-<version>-exec.jar copy --migration customers-v2}; {@code demo}
 * runs the whole migration under live traffic on the embedded server ({@link Demo}).
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
                "management.endpoints.web.exposure.include", "health,info,dualwritejobs,dualwrite,dualwritecleanup",
                "management.endpoint.health.probes.enabled", "true");
    }

    /** Starts the service, or runs a command of dualwrite's command line and exits with its code. */
    public static void main(String[] args) {
        dispatch(commandLine(), args).ifPresent(System::exit);
    }

    /**
     * Runs the command in {@code args} on {@code commandLine} when there is one (its exit code is returned), else
     * starts the service (nothing is returned).
     */
    static OptionalInt dispatch(DualWriteCommandLine commandLine, String... args) {
        if (args.length > 0 && args[0].equals("demo")) {
            return OptionalInt.of(Demo.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (DualWriteCommandLine.isCommand(args)) {
            return OptionalInt.of(commandLine.execute(args));
        }
        SpringApplication application = new SpringApplication(CustomersApplication.class);
        application.setDefaultProperties(defaultProperties());
        application.run(args);
        return OptionalInt.empty();
    }

    /** dualwrite's command line on this application, with the sample's defaults. */
    static DualWriteCommandLine commandLine() {
        return DualWriteCommandLine.forApplication(CustomersApplication.class)
                .commandName("java -jar dualwrite-exec.jar")
                .defaultProperties(defaultProperties());
    }
}
