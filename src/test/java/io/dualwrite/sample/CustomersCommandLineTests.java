package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/**
 * The sample's main method hands command names to dualwrite's command line, on the sample's own context (the
 * Kubernetes example test runs {@code copy} the same way).
 */
class CustomersCommandLineTests {

    private static final String DATABASE = "sample_command_line";

    @Test
    void statusGoesToTheCommandLineNotToTheService() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        OptionalInt status = CustomersApplication.dispatch(commandLine(out, err), "status");

        assertThat(status).as(err.toString()).hasValue(0);
        assertThat(out.toString()).contains("customers-v2: phase OLD_ONLY").contains("copy:   no run yet");
        assertThat(err.toString()).contains("MongoDB: the embedded in-process server, database '" + DATABASE + "'");
    }

    private static io.dualwrite.cli.DualWriteCommandLine commandLine(StringWriter out, StringWriter err) {
        return CustomersApplication.commandLine()
                .defaultProperties(Map.of("dualwrite.embedded.database", DATABASE))
                .output(new PrintWriter(out, true), new PrintWriter(err, true));
    }
}
