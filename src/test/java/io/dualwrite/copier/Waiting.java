package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Waits for a state another thread or process reaches (never for an ordering: those use gates). */
final class Waiting {

    private Waiting() {
    }

    static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("waited 20 s for: " + what).isTrue();
            Thread.sleep(2);
        }
    }
}
