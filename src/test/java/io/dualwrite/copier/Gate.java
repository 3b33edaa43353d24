package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Holds one thread at a point until the test releases it; the test first waits until the thread got there. */
final class Gate {

    private final CountDownLatch arrived = new CountDownLatch(1);

    private final CountDownLatch released = new CountDownLatch(1);

    /** Called by the held thread: signals its arrival and waits (at most 30 s) for the release. */
    void hold() {
        arrived.countDown();
        try {
            if (!released.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never released");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Waits until a thread is held here. */
    Gate awaitArrival() throws InterruptedException {
        assertThat(arrived.await(30, TimeUnit.SECONDS)).as("a thread reached the gate").isTrue();
        return this;
    }

    void release() {
        released.countDown();
    }
}
