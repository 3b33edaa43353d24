package io.dualwrite.copier;

import java.time.Duration;

import io.dualwrite.support.MutableClock;

/** A sleeper that does not sleep: it moves the clock forward by the duration. */
final class ClockSleeper implements Sleeper {

    private final MutableClock clock;

    ClockSleeper(MutableClock clock) {
        this.clock = clock;
    }

    @Override
    public void sleep(Duration duration) {
        clock.advance(duration);
    }
}
