package io.dualwrite.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The admin chain protects the dualwritejobs endpoint wherever Actuator's settings put it. */
class JobsEndpointPathTests {

    @Test
    void followsTheActuatorBasePathAndTheEndpointsPathMapping() {
        assertThat(DualWriteSecurityAutoConfiguration.jobsEndpointPath(new MockEnvironment()))
                .isEqualTo("/actuator/dualwritejobs");
        assertThat(DualWriteSecurityAutoConfiguration.jobsEndpointPath(new MockEnvironment()
                .withProperty("management.endpoints.web.base-path", "/manage/"))).isEqualTo("/manage/dualwritejobs");
        assertThat(DualWriteSecurityAutoConfiguration.jobsEndpointPath(new MockEnvironment()
                .withProperty("management.endpoints.web.base-path", "/"))).isEqualTo("/dualwritejobs");
        assertThat(DualWriteSecurityAutoConfiguration.jobsEndpointPath(new MockEnvironment()
                .withProperty("management.endpoints.web.base-path", "ops")
                .withProperty("management.endpoints.web.path-mapping.dualwritejobs", "jobs")))
                .isEqualTo("/ops/jobs");
    }
}
