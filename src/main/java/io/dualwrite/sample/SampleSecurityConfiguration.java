package io.dualwrite.sample;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Web security of the sample. dualwrite's own filter chain (order {@code HIGHEST_PRECEDENCE + 10}) protects the Togglz
 * console, its login and dualwrite's endpoints with the admin login; this chain, with the lowest precedence, handles
 * every other request. Without it Spring Boot's default chain would lock the whole API behind a generated password.
 * Only in a servlet web application: the demo ({@code demo} command) runs the service without a web server.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET) // not for the command line
public class SampleSecurityConfiguration {

    /** Lowest precedence: chains for specific paths (dualwrite's console and endpoints) are consulted first. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /**
     * The API and the health probe are open; anything else needs an authenticated user.
     * <p>
     * CSRF protection is disabled for {@code /api/**} only: it is a JSON API for the demo, called by scripts and
     * {@code curl} without a browser session or cookies, so there is no ambient credential a forged cross-site request
     * could ride on. A real service would authenticate its API (tokens) and keep this reasoning; the console and login
     * pages, which use a session cookie, keep CSRF protection in dualwrite's chain.
     */
    @Bean
    @Order(ORDER)
    SecurityFilterChain customersApiSecurity(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                .requestMatchers("/api/**", "/actuator/health/**", "/actuator/info", "/error").permitAll()
                .anyRequest().authenticated())
                .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**"));
        return http.build();
    }
}
