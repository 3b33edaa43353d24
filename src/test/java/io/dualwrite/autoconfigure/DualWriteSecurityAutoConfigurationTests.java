package io.dualwrite.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers;
import org.springframework.web.context.WebApplicationContext;
import org.togglz.core.user.UserProvider;
import org.togglz.spring.security.SpringSecurityUserProvider;

/**
 * The console login: an in-memory admin (generated password logged once when none is configured) or the application's
 * own users, through an authentication manager private to dualwrite's chain.
 */
@ExtendWith(OutputCaptureExtension.class)
class DualWriteSecurityAutoConfigurationTests {

    private static final Pattern GENERATED = Pattern.compile("Using generated dualwrite admin password: (\\S+)");

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SecurityAutoConfiguration.class,
                    ServletWebSecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class,
                    DualWriteSecurityAutoConfiguration.class));

    private static MockMvc mvc(WebApplicationContext context) {
        return MockMvcBuilders.webAppContextSetup(context).apply(SecurityMockMvcConfigurers.springSecurity()).build();
    }

    private static int status(MockMvc mvc, String user, String password) throws Exception {
        return mvc.perform(get("/dualwrite/status").with(httpBasic(user, password))).andReturn().getResponse()
                .getStatus();
    }

    @Test
    void withoutAConfiguredPasswordOneIsGeneratedAndLoggedOnce(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            Matcher generated = GENERATED.matcher(output.getOut());
            assertThat(generated.find()).as("generated password logged").isTrue();
            String password = generated.group(1);
            assertThat(generated.find()).as("logged once").isFalse();
            assertThat(output.getOut()).contains("WARN");

            MockMvc mvc = mvc(context);
            assertThat(status(mvc, "admin", password)).as("admin passes; no page there yet").isEqualTo(404);
            assertThat(status(mvc, "admin", "wrong")).isEqualTo(401);
            assertThat(mvc.perform(get("/dualwrite/status")).andReturn().getResponse().getStatus()).isIn(302, 401);
            assertThat(context.getBean(UserProvider.class)).isInstanceOf(SpringSecurityUserProvider.class);
        });
    }

    @Test
    void aConfiguredPasswordIsUsedAndNothingIsGenerated(CapturedOutput output) {
        runner.withPropertyValues("dualwrite.security.username=ops", "dualwrite.security.password=s3cret")
                .run(context -> {
                    assertThat(output.getOut()).doesNotContain("Using generated dualwrite admin password");
                    MockMvc mvc = mvc(context);
                    assertThat(status(mvc, "ops", "s3cret")).isEqualTo(404);
                    assertThat(status(mvc, "admin", "s3cret")).isEqualTo(401);
                    // the admin lives in dualwrite's chain only: the application's user store does not know it
                    UserDetailsService applicationUsers = context.getBean(UserDetailsService.class);
                    assertThatExceptionOfType(UsernameNotFoundException.class)
                            .isThrownBy(() -> applicationUsers.loadUserByUsername("ops"));
                });
    }

    @Test
    void theApplicationsOwnUsersAreUsedWhenItDeclaresThem(CapturedOutput output) {
        runner.withBean(UserDetailsService.class, () -> new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-pw").authorities("ROLE_DUALWRITE_ADMIN").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build()))
                .run(context -> {
                    assertThat(output.getOut()).doesNotContain("Using generated dualwrite admin password");
                    MockMvc mvc = mvc(context);
                    assertThat(status(mvc, "alice", "alice-pw")).isEqualTo(404);
                    assertThat(status(mvc, "bob", "bob-pw")).isEqualTo(403);
                    assertThat(status(mvc, "admin", "")).isEqualTo(401);
                });
    }

    @Test
    void otherPathsAreLeftToTheApplication() {
        runner.withPropertyValues("dualwrite.security.password=s3cret").run(context -> {
            MockMvc mvc = mvc(context);
            // Spring Boot's default chain still guards the rest of an application without its own security
            assertThat(mvc.perform(get("/api/customers").with(httpBasic("admin", "s3cret"))).andReturn().getResponse()
                    .getStatus()).isEqualTo(401);
        });
    }

    @Test
    void turnedOffWithDualwriteSecurityEnabledFalse() {
        runner.withPropertyValues("dualwrite.security.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("dualwriteSecurityFilterChain"));
    }
}
