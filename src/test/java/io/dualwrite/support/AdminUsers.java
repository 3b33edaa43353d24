package io.dualwrite.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * The users of the tests behind dualwrite's admin login: {@code ops} (password {@code ops-pw}) is a dualwrite admin,
 * {@code dev} ({@code dev-pw}) signs in but is no admin. Name it in a {@code @SpringBootTest}'s classes.
 */
@TestConfiguration(proxyBeanMethods = false)
public class AdminUsers {

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("ops").password("{noop}ops-pw").authorities("ROLE_DUALWRITE_ADMIN").build(),
                User.withUsername("dev").password("{noop}dev-pw").authorities("ROLE_USER").build());
    }

    /** MockMvc on the test's web application, through its security filter chains. */
    public static MockMvc mockMvc(WebApplicationContext context) {
        return MockMvcBuilders.webAppContextSetup(context).apply(SecurityMockMvcConfigurers.springSecurity()).build();
    }
}
