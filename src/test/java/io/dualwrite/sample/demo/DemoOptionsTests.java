package io.dualwrite.sample.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The demo's flags, and the exit code 2 with a clear message for bad ones (no application is started). */
class DemoOptionsTests {

    @Test
    void defaultsAndBothFlagForms() {
        assertThat(DemoOptions.parse()).isEqualTo(DemoOptions.defaults());
        assertThat(DemoOptions.defaults().users()).isEqualTo(5000);
        assertThat(DemoOptions.defaults().writers()).isEqualTo(4);

        DemoOptions options = DemoOptions.parse("--users", "1000", "--writers=6", "--seconds", "0.5", "--rate=0",
                "--keep", "--verbose");

        assertThat(options).isEqualTo(new DemoOptions(1000, 6, 0.5, 0, true, true, false));
    }

    @Test
    void badFlagsAreNamed() {
        assertThatThrownBy(() -> DemoOptions.parse("--users", "many"))
                .hasMessage("--users must be a whole number, got 'many'");
        assertThatThrownBy(() -> DemoOptions.parse("--users", "0")).hasMessage("--users must be between 1 and "
                + "1000000, got 0");
        assertThatThrownBy(() -> DemoOptions.parse("--writers")).hasMessage("--writers needs a value");
        assertThatThrownBy(() -> DemoOptions.parse("--seconds", "-1")).hasMessage("--seconds must be between 0 and "
                + "600, got '-1'");
        assertThatThrownBy(() -> DemoOptions.parse("--keep=yes")).hasMessage("--keep takes no value, got "
                + "'--keep=yes'");
        assertThatThrownBy(() -> DemoOptions.parse("--user", "5")).hasMessage("unknown flag '--user'");
    }

    @Test
    void badFlagsExitWithTwoAndTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = Demo.run(stream(out), stream(err), "--writers", "lots");

        assertThat(exit).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("demo: --writers must be a whole number, got "
                + "'lots'").contains("usage: java -jar dualwrite-<version>-exec.jar demo");
    }

    @Test
    void helpPrintsTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(Demo.run(stream(out), stream(new ByteArrayOutputStream()), "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--users N").contains("--writers N");
    }

    private static PrintStream stream(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }
}
