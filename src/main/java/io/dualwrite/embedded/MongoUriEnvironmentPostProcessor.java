package io.dualwrite.embedded;

import java.util.Map;

import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Makes the two other usual ways of naming the MongoDB server reach Spring Boot 4's {@code spring.mongodb.uri}:
 * <ul>
 * <li>{@code MONGODB_URI} (an environment variable, or any property of that name), the name deployments and
 * {@code docker-compose.yml} use;</li>
 * <li>{@code spring.data.mongodb.uri}, the Boot 2/3 property, which Boot 4 ignores: left alone, the application
 * would silently connect to {@code localhost:27017} instead (a WARN asks to rename it).</li>
 * </ul>
 * Nothing is done when {@code spring.mongodb.uri} or {@code spring.mongodb.host} is set. The mapped value goes into a
 * property source of the lowest precedence, so any explicit {@code spring.mongodb.*} setting still wins. When both
 * are set, {@code MONGODB_URI} (usually the deployment's environment) wins over {@code spring.data.mongodb.uri}.
 * <p>
 * Registered in {@code META-INF/spring.factories} under {@code org.springframework.boot.EnvironmentPostProcessor};
 * runs after the configuration files have been loaded.
 */
public class MongoUriEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** Name of the property source holding the mapped {@code spring.mongodb.uri}. */
    public static final String PROPERTY_SOURCE_NAME = "dualwriteMongoUri";

    /** The property Spring Boot 4 reads. */
    public static final String URI_PROPERTY = "spring.mongodb.uri";

    /** The conventional environment variable. */
    public static final String MONGODB_URI = "MONGODB_URI";

    /** The Boot 2/3 property that Boot 4 no longer reads. */
    public static final String DEPRECATED_URI_PROPERTY = "spring.data.mongodb.uri";

    private static final String HOST_PROPERTY = "spring.mongodb.host";

    private final Log log;

    /**
     * Created by Spring Boot, which hands in a log that is replayed once logging is initialised.
     *
     * @param logFactory Boot's deferred log factory
     */
    public MongoUriEnvironmentPostProcessor(DeferredLogFactory logFactory) {
        this.log = logFactory.getLog(MongoUriEnvironmentPostProcessor.class);
    }

    @Override
    public int getOrder() {
        // after application.properties/yaml and profiles have been read
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String fromEnvironment = environment.getProperty(MONGODB_URI);
        String deprecated = environment.getProperty(DEPRECATED_URI_PROPERTY);
        boolean hasEnvironment = StringUtils.hasText(fromEnvironment);
        boolean hasDeprecated = StringUtils.hasText(deprecated);
        if (!hasEnvironment && !hasDeprecated) {
            return;
        }
        if (StringUtils.hasText(environment.getProperty(URI_PROPERTY))) {
            if (hasDeprecated) {
                log.warn(DEPRECATED_URI_PROPERTY + " is set but ignored: Spring Boot 4 reads " + URI_PROPERTY
                        + ", which is set too. Remove " + DEPRECATED_URI_PROPERTY + ".");
            }
            return;
        }
        if (StringUtils.hasText(environment.getProperty(HOST_PROPERTY))) {
            log.warn((hasEnvironment ? MONGODB_URI : DEPRECATED_URI_PROPERTY) + " is ignored because "
                    + HOST_PROPERTY + " is set; set " + URI_PROPERTY + " instead of the host/port properties to use it.");
            return;
        }
        String uri;
        if (hasEnvironment) {
            uri = fromEnvironment;
            if (hasDeprecated) {
                log.warn(DEPRECATED_URI_PROPERTY + " is ignored in favour of " + MONGODB_URI + "; Spring Boot 4 "
                        + "does not read " + DEPRECATED_URI_PROPERTY + " at all: rename it to " + URI_PROPERTY + ".");
            }
        }
        else {
            uri = deprecated;
            log.warn(DEPRECATED_URI_PROPERTY + " is deprecated and ignored by Spring Boot 4 (which would connect to "
                    + "localhost:27017 instead); dualwrite uses its value for now. Rename it to " + URI_PROPERTY + ".");
        }
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(URI_PROPERTY, uri)));
    }
}
