package io.dualwrite.copier;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Sleeps for real, but briefly (at most 10 ms), and counts the calls: "the worker waited n times". */
final class CountingSleeper implements Sleeper {

    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        calls.incrementAndGet();
        Thread.sleep(Math.max(0, Math.min(10, duration.toMillis())));
    }

    int calls() {
        return calls.get();
    }
}
