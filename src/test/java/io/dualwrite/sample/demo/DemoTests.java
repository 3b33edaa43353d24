package io.dualwrite.sample.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The whole demo, as {@code java -jar ... demo --users 1000} runs it, on the test JVM's embedded server: every phase,
 * the copy and the verification under live traffic, and a clean final check.
 */
class DemoTests {

    private static final Pattern VERDICT = Pattern.compile(
            "demo: (\\d+) documents, lost updates 0, resurrected 0, divergent 0");

    @Test
    void theWholeMigrationUnderLiveTrafficLosesNothing() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            exit = Demo.run("--users", "1000");
        }
        finally {
            System.out.flush();
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = Arrays.stream(output.split("\\R")).filter(line -> !line.isBlank()).toList();

        assertThat(exit).as(output).isZero();
        String last = lines.get(lines.size() - 1);
        Matcher verdict = VERDICT.matcher(last);
        assertThat(verdict.matches()).as("last line: " + last).isTrue();
        assertThat(Long.parseLong(verdict.group(1))).isGreaterThan(1000);
        assertThat(output)
                .contains("1,000 legacy users in 'users'")
                .contains("phase READ_OLD_WRITE_BOTH requested")
                .contains("phase READ_NEW_WRITE_BOTH requested")
                .contains("phase READ_NEW_WRITE_NEW requested")
                .containsPattern("copy finished in [\\d.]+ s: [\\d,]+ documents scanned: copied")
                .containsPattern("verify finished in [\\d.]+ s: .*\\(clean\\)")
                .containsPattern("traffic in READ_NEW_WRITE_NEW: [\\d,]+ writes acknowledged")
                .containsPattern("traffic stopped; in all [\\d,]+ writes acknowledged");
    }

    /** Writes to the console and to the capture. */
    private static final class Tee extends OutputStream {

        private final OutputStream first;

        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            try {
                first.write(bytes, offset, length);
            }
            catch (java.io.IOException ex) {
                // the console copy is best effort
            }
            try {
                second.write(bytes, offset, length);
            }
            catch (java.io.IOException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
