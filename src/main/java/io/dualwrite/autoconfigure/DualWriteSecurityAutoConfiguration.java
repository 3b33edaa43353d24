package io.dualwrite.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.togglz.core.user.UserProvider;
import org.togglz.spring.security.SpringSecurityUserProvider;

import io.dualwrite.actuate.CsrfTokenController;
import io.dualwrite.actuate.DualWriteCleanupEndpoint;
import io.dualwrite.actuate.DualWriteEndpoint;
import io.dualwrite.actuate.DualWriteJobsEndpoint;

/**
 * Puts the Togglz console ({@code togglz.console.path}, default {@code /togglz-console}), dualwrite's operations pages
 * ({@code /dualwrite/**}: the status page {@code /dualwrite/status}, and {@code /dualwrite/csrf} for scripts), the
 * Actuator endpoints {@code dualwritejobs}, {@code dualwrite} and {@code dualwritecleanup} (under
 * {@code management.endpoints.web.base-path}, default {@code /actuator/<id>}) and the login and logout
 * pages behind an admin login, in a security filter chain of their
 * own: every request there needs {@code dualwrite.security.admin-authority}; form login and HTTP Basic; CSRF
 * protection on (the console's forms carry Spring Security's token through togglz-spring-security).
 * <p>
 * Users come from the application's own {@link UserDetailsService} bean when it declares one; otherwise from one
 * in-memory admin, {@code dualwrite.security.username} / {@code dualwrite.security.password}, the password generated
 * and logged once at startup when none is configured. The authentication manager is private to this chain: the
 * application's own security (its chains, its users, Spring Boot's defaults) is left as it is. This configuration runs
 * after Spring Boot's default web security, so an application without a chain of its own keeps Boot's
 * secure-by-default chain for every other path.
 * <p>
 * Togglz's own admin check uses the same authority ({@link SpringSecurityUserProvider}).
 */
@AutoConfiguration(
        afterName = { "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
                "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
                "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration" },
        beforeName = "org.togglz.spring.boot.actuate.autoconfigure.TogglzAutoConfiguration")
@ConditionalOnBooleanProperty(name = { "dualwrite.enabled", "dualwrite.security.enabled" }, matchIfMissing = true)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ SecurityFilterChain.class, HttpSecurity.class, SpringSecurityUserProvider.class })
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteSecurityAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DualWriteSecurityAutoConfiguration.class);

    /** Boot's fallback user store, present only when the application declares no UserDetailsService of its own. */
    private static final String BOOT_USER_DETAILS_CONFIGURATION =
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration";

    /** Tells the Togglz console that a user holding the admin authority is a feature admin. */
    @Bean
    @ConditionalOnMissingBean(UserProvider.class)
    UserProvider dualwriteTogglzUserProvider(DualWriteProperties properties) {
        return new SpringSecurityUserProvider(properties.getSecurity().getAdminAuthority());
    }

    /** The admin-only chain for the console, the operations pages and endpoint, login and logout. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 10)
    @ConditionalOnMissingBean(name = "dualwriteSecurityFilterChain")
    SecurityFilterChain dualwriteSecurityFilterChain(HttpSecurity http, DualWriteProperties properties,
            Environment environment, ConfigurableListableBeanFactory beanFactory,
            ObjectProvider<PasswordEncoder> passwordEncoder) throws Exception {
        String console = consolePath(environment);
        String jobs = jobsEndpointPath(environment);
        String cleanup = endpointPath(environment, DualWriteCleanupEndpoint.ID);
        String status = endpointPath(environment, DualWriteEndpoint.ID);
        String authority = properties.getSecurity().getAdminAuthority();
        http.securityMatcher(console, console + "/**", "/login", "/logout", "/dualwrite/**", jobs, jobs + "/**",
                        cleanup, cleanup + "/**", status, status + "/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().hasAuthority(authority))
                .formLogin(form -> form.defaultSuccessUrl(console + "/index").permitAll())
                .httpBasic(basic -> {
                })
                .logout(logout -> logout.permitAll())
                .authenticationManager(authenticationManager(properties.getSecurity(), beanFactory, passwordEncoder));
        return http.build();
    }

    /** {@code GET /dualwrite/csrf}: the CSRF token scripts send back when they POST to the protected paths. */
    @Bean
    @ConditionalOnMissingBean
    CsrfTokenController dualwriteCsrfTokenController() {
        return new CsrfTokenController();
    }

    /**
     * The path of the {@code dualwritejobs} Actuator endpoint: {@code management.endpoints.web.base-path} (default
     * {@code /actuator}) and the endpoint's path mapping (default its id), without a trailing slash.
     */
    static String jobsEndpointPath(Environment environment) {
        return endpointPath(environment, DualWriteJobsEndpoint.ID);
    }

    /** The path of the Actuator endpoint {@code id} (base path and path mapping applied), without a trailing slash. */
    static String endpointPath(Environment environment, String id) {
        String base = environment.getProperty("management.endpoints.web.base-path", "/actuator").trim();
        String mapping = environment.getProperty("management.endpoints.web.path-mapping." + id, id).trim();
        String path = (base.startsWith("/") ? base : "/" + base) + "/" + mapping;
        path = path.replaceAll("/{2,}", "/");
        while (path.endsWith("/") && path.length() > 1) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    /** The console path as Togglz serves it, without a trailing slash. */
    static String consolePath(Environment environment) {
        String path = environment.getProperty("togglz.console.path", "/togglz-console").trim();
        while (path.endsWith("/") && path.length() > 1) {
            path = path.substring(0, path.length() - 1);
        }
        return path.startsWith("/") ? path : "/" + path;
    }

    private static AuthenticationManager authenticationManager(DualWriteProperties.Security security,
            ConfigurableListableBeanFactory beanFactory, ObjectProvider<PasswordEncoder> passwordEncoder) {
        UserDetailsService users = applicationUserDetailsService(beanFactory);
        PasswordEncoder encoder = passwordEncoder.getIfUnique(PasswordEncoderFactories::createDelegatingPasswordEncoder);
        if (users == null) {
            String password = security.getPassword();
            if (password == null || password.isEmpty()) {
                password = UUID.randomUUID().toString();
                log.warn(String.format("%n%nUsing generated dualwrite admin password: %s%n%nIt signs user '%s' in to "
                        + "the Togglz console; set dualwrite.security.password (or declare a UserDetailsService "
                        + "bean) before running in production.%n", password, security.getUsername()));
            }
            users = new InMemoryUserDetailsManager(User.withUsername(security.getUsername())
                    .password(encoder.encode(password))
                    .authorities(security.getAdminAuthority())
                    .build());
        }
        DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users);
        provider.setPasswordEncoder(encoder);
        return new ProviderManager(provider);
    }

    /** The application's own UserDetailsService, ignoring the one Spring Boot declares when there is none. */
    private static UserDetailsService applicationUserDetailsService(ConfigurableListableBeanFactory beanFactory) {
        List<String> names = new ArrayList<>();
        for (String name : beanFactory.getBeanNamesForType(UserDetailsService.class, true, false)) {
            if (!beanFactory.containsBeanDefinition(name)
                    || !BOOT_USER_DETAILS_CONFIGURATION.equals(beanFactory.getBeanDefinition(name).getFactoryBeanName())) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        if (names.size() == 1) {
            return beanFactory.getBean(names.get(0), UserDetailsService.class);
        }
        List<String> primary = names.stream()
                .filter(name -> beanFactory.containsBeanDefinition(name) && isPrimary(beanFactory.getBeanDefinition(name)))
                .toList();
        if (primary.size() == 1) {
            return beanFactory.getBean(primary.get(0), UserDetailsService.class);
        }
        throw new IllegalStateException("The dualwrite console login found several UserDetailsService beans " + names
                + "; mark the one holding the console admins @Primary");
    }

    private static boolean isPrimary(BeanDefinition definition) {
        return definition.isPrimary();
    }
}
